//! The HTML page of a report: escaping, the frame (inline CSS, no external resources, readable on a
//! laptop screen and on a phone: tables scroll in their own box, charts scale) and small table
//! helpers. Every user-supplied string goes through [`escape`].

/// HTML text: the markup characters as references (one escaper for the report and the JUnit export).
pub use crate::export::markup_text as escape;

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto; max-width: 1260px;
       padding: 1rem 1.5rem 3rem; color: #1d2330; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccd;
  padding-bottom: .2rem; } h3 { margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { border: 1px solid #d5d8e0; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td:last-child { min-width: 12rem; }
.wide { overflow-x: auto; }
.verdict-regressed { color: #b3261e; font-weight: 600; } .verdict-improved { color: #1e7b34; font-weight: 600; }
.verdict-inconclusive { color: #8a6d00; } .verdict-not-comparable { color: #777; } .verdict-no-baseline { color: #777; }
.pass { color: #1e7b34; } .fail { color: #b3261e; } .error { color: #b3261e; }
.note { color: #555; font-size: .88rem; } figure { margin: .8rem 0; } figcaption { font-size: .9rem; color: #333; }
code, pre { font-family: ui-monospace, 'SFMono-Regular', Menlo, monospace; font-size: .85rem; }
pre { background: #f4f5f8; padding: .6rem .8rem; overflow-x: auto; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
pre.commands { white-space: pre-wrap; overflow-wrap: anywhere; }
.wide { max-width: 100%; } tr.regressed td { background: #fdf0ef; } tr.improved td { background: #eff8f1; }
.banner { border: 2px solid; border-radius: 6px; padding: .4rem 1rem; margin: .8rem 0 1.2rem; }
.banner p { margin: .3rem 0; font-size: 1.1rem; } .banner ul { margin: .2rem 0 .4rem; padding-left: 1.2rem; }
.banner.pass { border-color: #1e7b34; background: #eff8f1; }
.banner.fail, .banner.error { border-color: #b3261e; background: #fdf0ef; }
.warning { color: #7a4d00; background: #fff6e0; border-left: 4px solid #d99a00; padding: .3rem .6rem; font-size: .9rem; }
.informational { color: #555; }
@media (max-width: 640px) {
  body { padding: .5rem .7rem 2rem; } h1 { font-size: 1.3rem; } h2 { font-size: 1.2rem; }
  table { font-size: .8rem; } th, td { padding: .2rem .35rem; } td:last-child { min-width: 16rem; }
  .banner p { font-size: 1rem; }
}
";

/// The whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// A table from a header and rows of already-escaped cells; cells starting with `#` are numeric
/// (right-aligned; the `#` is dropped).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<(Option<&str>, Vec<String>)> = rows.iter().map(|r| (None, r.clone())).collect();
    marked_table(header, &rows)
}

/// [`table`] with a class on some rows (`regressed`, `improved`: a tinted background).
pub fn marked_table(header: &[&str], rows: &[(Option<&str>, Vec<String>)]) -> String {
    let cell = |tag: &str, text: &str| match text.strip_prefix('#') {
        Some(number) => format!("<{tag} class=\"num\">{number}</{tag}>"),
        None => format!("<{tag}>{text}</{tag}>"),
    };
    let mut out = String::from("<div class=\"wide\"><table>\n<tr>");
    for h in header {
        out.push_str(&cell("th", h));
    }
    out.push_str("</tr>\n");
    for (class, row) in rows {
        match class {
            Some(class) => out.push_str(&format!("<tr class=\"{class}\">")),
            None => out.push_str("<tr>"),
        }
        for text in row {
            out.push_str(&cell("td", text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    out
}

/// Leaves out the columns in which no row has a value (every cell `–` or empty, markup aside), so a
/// table of exact counts does not carry a p-value, an MDE and rounds of dashes.
pub fn without_empty_columns<'a>(
    header: &[&'a str],
    rows: Vec<Vec<String>>,
) -> (Vec<&'a str>, Vec<Vec<String>>) {
    let empty = |text: &str| {
        let text = text.strip_prefix('#').unwrap_or(text);
        let mut plain = String::new();
        let mut in_tag = false;
        for c in text.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        matches!(plain.trim(), "" | "–")
    };
    let keep: Vec<bool> = (0..header.len())
        .map(|i| rows.is_empty() || rows.iter().any(|r| r.get(i).is_some_and(|c| !empty(c))))
        .collect();
    let header = header
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(h, _)| *h)
        .collect();
    let rows = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c)
                .collect()
        })
        .collect();
    (header, rows)
}

/// A chart file beside the page in a figure with an (already escaped) caption; the chart links to
/// itself, to open it at full size (on a phone).
pub fn figure(file: &str, caption: &str) -> String {
    format!(
        "<figure>\n<a href=\"{file}\"><img src=\"{file}\" alt=\"{caption}\"></a>\n<figcaption>{caption}</figcaption>\n</figure>\n",
        file = escape(file)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_without_a_value_are_left_out() {
        let rows = vec![
            vec![
                "a".into(),
                "#–".into(),
                "#1 %".into(),
                "<span class=\"note\"></span>".into(),
            ],
            vec![
                "b".into(),
                "#–".into(),
                "#–".into(),
                "<span class=\"note\"></span>".into(),
            ],
        ];
        let (header, rows) = without_empty_columns(&["name", "p", "change", "notes"], rows);
        assert_eq!(header, ["name", "change"]);
        assert_eq!(rows, [vec!["a", "#1 %"], vec!["b", "#–"]]);
    }

    #[test]
    fn user_strings_cannot_become_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
