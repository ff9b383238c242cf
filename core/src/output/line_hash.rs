//! GitHub code scanning's `primaryLocationLineHash`: a hash of each line's content that lets an alert
//! be followed across commits when lines above it move.
//!
//! The value is what GitHub's own upload step computes when a SARIF file lacks it (so both agree):
//! the text read as UTF-16 code units, line endings (`\r\n`, `\r`, `\n`) as one `\n`, spaces and tabs
//! dropped; each line's hash is a polynomial rolling hash (base 37, wrapping 64-bit arithmetic) over
//! the 100 code units that start at the line's first kept unit, running on into the following lines,
//! with one 65535 at the end of the text and zeros after it. It is written in lowercase hexadecimal
//! without leading zeros, then `:` and how many earlier lines (counting this one) had the same hash.

use rustc_hash::FxHashMap;

const BLOCK: usize = 100;
const BASE: u64 = 37;
const END_OF_TEXT: u64 = 65_535;

/// The hash of every line of `text`, first line first; after a final line break the end of the text
/// counts as one more line, as in GitHub's computation.
pub fn line_hashes(text: &str) -> Vec<String> {
    let mut hasher = Hasher::new();
    for unit in text.encode_utf16() {
        hasher.push(u64::from(unit));
    }
    hasher.push(END_OF_TEXT);
    hasher.flush()
}

struct Hasher {
    window: [u64; BLOCK],
    /// The line started by the unit at each window slot, if one did.
    starts: [Option<u32>; BLOCK],
    hash: u64,
    /// `BASE^BLOCK`: the weight of the unit that leaves the window.
    leaving: u64,
    index: usize,
    line: u32,
    at_line_start: bool,
    after_cr: bool,
    seen: FxHashMap<u64, u32>,
    out: Vec<String>,
}

impl Hasher {
    fn new() -> Self {
        Self {
            window: [0; BLOCK],
            starts: [None; BLOCK],
            hash: 0,
            leaving: BASE.wrapping_pow(BLOCK as u32),
            index: 0,
            line: 0,
            at_line_start: true,
            after_cr: false,
            seen: FxHashMap::default(),
            out: Vec::new(),
        }
    }

    fn emit(&mut self) {
        let count = self.seen.entry(self.hash).or_insert(0);
        *count += 1;
        self.out.push(format!("{:x}:{count}", self.hash));
        self.starts[self.index] = None;
    }

    fn update(&mut self, unit: u64) {
        let leaving = self.window[self.index];
        self.window[self.index] = unit;
        self.hash = BASE
            .wrapping_mul(self.hash)
            .wrapping_add(unit)
            .wrapping_sub(self.leaving.wrapping_mul(leaving));
        self.index = (self.index + 1) % BLOCK;
    }

    fn push(&mut self, unit: u64) {
        const SPACE: u64 = b' ' as u64;
        const TAB: u64 = b'\t' as u64;
        const LF: u64 = b'\n' as u64;
        const CR: u64 = b'\r' as u64;
        if unit == SPACE || unit == TAB || (self.after_cr && unit == LF) {
            self.after_cr = false;
            return;
        }
        let unit = if unit == CR {
            self.after_cr = true;
            LF
        } else {
            self.after_cr = false;
            unit
        };
        if self.starts[self.index].is_some() {
            self.emit();
        }
        if self.at_line_start {
            self.at_line_start = false;
            self.line += 1;
            self.starts[self.index] = Some(self.line);
        }
        if unit == LF {
            self.at_line_start = true;
        }
        self.update(unit);
    }

    fn flush(mut self) -> Vec<String> {
        for _ in 0..BLOCK {
            if self.starts[self.index].is_some() {
                self.emit();
            }
            self.update(0);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_and_line_endings_do_not_change_a_hash_and_repeats_are_counted() {
        let unix = line_hashes("x = 1\nx = 1\n");
        assert_eq!(
            unix.len(),
            3,
            "two lines and the end of the text after the last break"
        );
        assert_eq!(unix, line_hashes("x=1\r\n  x = 1\r"));
        let long = "a".repeat(120);
        let same = line_hashes(&format!("{long}\n{long}\n"));
        assert_eq!(same[0].split(':').next(), same[1].split(':').next());
        assert!(
            same[0].ends_with(":1") && same[1].ends_with(":2"),
            "{same:?}"
        );
    }

    #[test]
    fn a_line_hash_depends_on_the_next_hundred_units_only() {
        let long = "a".repeat(150);
        let one = line_hashes(&format!("{long}\nb\n"));
        let two = line_hashes(&format!("{long}\nc\n"));
        assert_eq!(one[0], two[0], "the first line's window ends inside it");
        assert_ne!(one[1], two[1]);
    }
}
