//! The HTML page of a report: escaping, the frame (inline CSS, no external resources, readable on a
//! laptop screen) and small table helpers. Every user-supplied string goes through [`escape`].

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
    let cell = |tag: &str, text: &str| match text.strip_prefix('#') {
        Some(number) => format!("<{tag} class=\"num\">{number}</{tag}>"),
        None => format!("<{tag}>{text}</{tag}>"),
    };
    let mut out = String::from("<div class=\"wide\"><table>\n<tr>");
    for h in header {
        out.push_str(&cell("th", h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for text in row {
            out.push_str(&cell("td", text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    out
}

/// A chart file beside the page in a figure with an (already escaped) caption.
pub fn figure(file: &str, caption: &str) -> String {
    format!(
        "<figure>\n<img src=\"{}\" alt=\"{caption}\">\n<figcaption>{caption}</figcaption>\n</figure>\n",
        escape(file)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_strings_cannot_become_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
