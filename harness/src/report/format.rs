//! Numbers for people, one rule for every export, report and note: measured values with three
//! significant digits and a unit (`12.3 ms`), exact counts with thousands separators and a unit
//! (`64,984,406 Ir`, `100,000 B`), changes signed with three significant digits (`+26.1 %`,
//! `-0.500 %`), shares, thresholds and spreads unsigned the same way (`90.0 %`, `3.00 %`), and `–`
//! for a value that does not exist.

/// `x` with three significant digits (no exponent for the magnitudes a report shows).
pub fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "–".into()
        } else {
            "∞".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).max(0) as usize;
    let text = format!("{x:.decimals$}");
    // 9.999 rounds up to 10.00: one digit too many, so drop a decimal.
    let rounded: f64 = text.parse().unwrap_or(x);
    if decimals > 0 && rounded.abs() >= 10f64.powi(magnitude + 1) {
        let decimals = decimals - 1;
        return format!("{x:.decimals$}");
    }
    text
}

/// A duration given in nanoseconds: `812 ns`, `45.6 µs`, `12.3 ms`, `1.23 s`.
pub fn duration(ns: f64) -> String {
    let (value, unit) = if ns.abs() >= 1e9 {
        (ns / 1e9, "s")
    } else if ns.abs() >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns.abs() >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", sig3(value))
}

fn scaled(x: f64, unit: &str, base: f64, prefixes: [&str; 4]) -> String {
    let mut value = x;
    let mut prefix = "";
    for p in prefixes {
        if value.abs() < base {
            break;
        }
        value /= base;
        prefix = p;
    }
    format!("{} {prefix}{unit}", sig3(value))
        .trim_end()
        .to_owned()
}

/// A count: `812`, `35.5 k`, `1.01 G` (instructions: `Ir`).
pub fn count(x: f64, unit: &str) -> String {
    scaled(x, unit, 1000.0, ["k", "M", "G", "T"])
}

/// Bytes in decimal units: `3.41 MB`.
pub fn bytes(x: f64) -> String {
    scaled(x, "B", 1000.0, ["k", "M", "G", "T"])
}

/// A ratio as a signed percentage change: `+4.10 %`.
pub fn change(ratio: f64) -> String {
    if !ratio.is_finite() || ratio <= 0.0 {
        return "–".into();
    }
    let percent = (ratio - 1.0) * 100.0;
    let text = sig3(percent);
    if percent > 0.0 {
        format!("+{text} %")
    } else {
        format!("{text} %")
    }
}

/// A fraction as an unsigned percentage with three significant digits: `90.0 %` for 0.9.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "–".into();
    }
    format!("{} %", sig3(fraction * 100.0))
}

/// [`change`] of a ratio that may be missing.
pub fn change_of(ratio: Option<f64>) -> String {
    ratio.map_or("–".into(), change)
}

/// The interval of a ratio as changes: `[+9.20 %, +10.8 %]`; an unbounded side is `−∞`/`+∞`.
pub fn interval(interval: Option<(f64, f64)>) -> String {
    interval.map_or("–".into(), |(low, high)| {
        let side = |r: f64| {
            if r == 0.0 {
                "−∞".to_owned()
            } else if r.is_infinite() {
                "+∞".to_owned()
            } else {
                change(r)
            }
        };
        format!("[{}, {}]", side(low), side(high))
    })
}

/// The unit of a metric's values: `Ir`, `B`, `blocks` (time has its own, see [`value`]).
pub fn unit(metric: &str) -> &'static str {
    match metric {
        "instructions" => "Ir",
        m if m.ends_with("bytes") => "B",
        m if m.ends_with("blocks") => "blocks",
        _ => "",
    }
}

/// A metric's value: wall time as a [`duration`], a deterministic count exact with separators and
/// its [`unit`].
pub fn value(metric: &str, value: Option<f64>) -> String {
    match value {
        None => "–".into(),
        Some(v) if metric == "time" => duration(v),
        Some(v) if v.is_finite() && v >= 0.0 => {
            format!("{} {}", thousands(v.round() as u64), unit(metric))
                .trim_end()
                .to_owned()
        }
        Some(v) => sig3(v),
    }
}

/// An integer with thousands separators: `64,984,406`.
pub fn thousands(x: u64) -> String {
    let digits = x.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A change with its sign and thousands separators: `+64,984,406`, `-1,024`, `0`.
pub fn signed_thousands(x: i64) -> String {
    let sign = match x.signum() {
        1 => "+",
        -1 => "-",
        _ => "",
    };
    format!("{sign}{}", thousands(x.unsigned_abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_values_changes_shares_and_intervals() {
        assert_eq!(value("time", Some(100_000_000.0)), "100 ms");
        assert_eq!(value("instructions", Some(313_984_406.0)), "313,984,406 Ir");
        assert_eq!(value("heap.total_bytes", Some(100_000.0)), "100,000 B");
        assert_eq!(value("heap.total_blocks", Some(1_000.0)), "1,000 blocks");
        assert_eq!(value("instructions", None), "–");
        assert_eq!(change_of(Some(1.261)), "+26.1 %");
        assert_eq!(change_of(Some(0.995)), "-0.500 %");
        assert_eq!(change_of(None), "–");
        assert_eq!(percent(0.9), "90.0 %");
        assert_eq!(percent(0.03), "3.00 %");
        assert_eq!(interval(Some((1.092, 1.108))), "[+9.20 %, +10.8 %]");
        assert_eq!(interval(Some((0.0, f64::INFINITY))), "[−∞, +∞]");
        assert_eq!(interval(None), "–");
    }

    #[test]
    fn integers_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(64_984_406), "64,984,406");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(signed_thousands(64_984_406), "+64,984,406");
        assert_eq!(signed_thousands(-1024), "-1,024");
        assert_eq!(signed_thousands(0), "0");
        assert_eq!(signed_thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn three_significant_digits_with_units() {
        assert_eq!(sig3(1234.5), "1234");
        assert_eq!(sig3(12.345), "12.3");
        assert_eq!(sig3(0.012345), "0.0123");
        assert_eq!(sig3(9.9999), "10.0");
        assert_eq!(sig3(-9.999999999999998), "-10.0");
        assert_eq!(duration(12_345_678.0), "12.3 ms");
        assert_eq!(duration(812.0), "812 ns");
        assert_eq!(duration(1_234_567_890.0), "1.23 s");
        assert_eq!(count(35_505_261.0, "Ir"), "35.5 MIr");
        assert_eq!(count(812.0, ""), "812");
        assert_eq!(bytes(3_412_000.0), "3.41 MB");
        assert_eq!(change(1.041), "+4.10 %");
        assert_eq!(change(0.9), "-10.0 %");
        assert_eq!(change(1.0), "0 %");
    }
}
