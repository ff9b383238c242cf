//! A seeded generator of realistic Python modules with a known number of findings per rule.
//!
//! Each generated module has imports, constants, functions and classes whose bodies use assignments,
//! calls, comprehensions, `if`/`for`/`while`/`try`/`with` blocks and f-strings. Violations are planted
//! on purpose with a per-[`Profile`] probability, and everything else is generated to stay clear of every
//! threshold, so [`SynthFile::expected`] is the exact number of findings each planted rule must produce.
//! The same [`SynthSpec`] always yields the same bytes (ChaCha8 seeded from `seed`), which makes the
//! output a reproducible benchmark corpus for the harness as well as a test oracle.

use std::collections::BTreeMap;

use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How densely violations are planted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// No planted violations.
    Clean,
    /// A few percent of functions and classes violate a rule, like ordinary application code.
    #[default]
    Typical,
    /// About a third of them do: a stress test for reporting.
    Dense,
}

impl Profile {
    fn rate(self) -> f64 {
        match self {
            Profile::Clean => 0.0,
            Profile::Typical => 0.04,
            Profile::Dense => 0.3,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynthSpec {
    pub files: usize,
    /// Approximate lines per file (a file ends after the unit that reaches it).
    pub lines_per_file: usize,
    pub seed: u64,
    #[serde(default)]
    pub profile: Profile,
}

/// One generated module and the findings it must produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthFile {
    /// A relative path such as `pkg_0/module_3.py`.
    pub path: String,
    pub source: String,
    /// Planted findings per rule id (rules without planted findings are absent).
    pub expected: BTreeMap<&'static str, u64>,
}

/// The rules whose findings the generator plants and accounts for.
pub const PLANTED_RULES: [&str; 5] = [
    "positional-params",
    "timing",
    "god-object",
    "unbounded-loop",
    "long-function",
];

const VERBS: &[&str] = &[
    "load", "save", "parse", "compute", "update", "render", "fetch", "build", "merge", "check",
];
const NOUNS: &[&str] = &[
    "user", "order", "record", "config", "item", "payload", "session", "report", "entry", "token",
];
const CLASS_SUFFIXES: &[&str] = &[
    "Manager", "Service", "Store", "Handler", "Builder", "Client",
];
const KEYS: &[&str] = &[
    "name", "email", "created", "status", "amount", "kind", "owner", "label",
];

/// Generates the modules of a spec.
pub fn generate(spec: &SynthSpec) -> Vec<SynthFile> {
    (0..spec.files)
        .map(|index| {
            let mut rng = ChaCha8Rng::seed_from_u64(
                spec.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let mut module = Module::new(&mut rng, spec.profile.rate());
            module.write(spec.lines_per_file);
            SynthFile {
                path: format!("pkg_{}/module_{index}.py", index / 50),
                source: module.out,
                expected: module.expected,
            }
        })
        .collect()
}

struct Module<'r> {
    rng: &'r mut ChaCha8Rng,
    rate: f64,
    out: String,
    lines: usize,
    expected: BTreeMap<&'static str, u64>,
    counter: usize,
}

impl<'r> Module<'r> {
    fn new(rng: &'r mut ChaCha8Rng, rate: f64) -> Self {
        Self {
            rng,
            rate,
            out: String::new(),
            lines: 0,
            expected: BTreeMap::new(),
            counter: 0,
        }
    }

    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
        self.lines += 1;
    }

    fn plant(&mut self, rule: &'static str) -> bool {
        let planted = self.rng.random_bool(self.rate);
        if planted {
            *self.expected.entry(rule).or_insert(0) += 1;
        }
        planted
    }

    fn pick(&mut self, words: &[&'static str]) -> &'static str {
        words.choose(self.rng).copied().unwrap_or("x")
    }

    fn fresh_name(&mut self, base: &str) -> String {
        self.counter += 1;
        format!("{base}_{}", self.counter)
    }

    fn write(&mut self, target_lines: usize) {
        self.line(
            0,
            "\"\"\"Generated module: realistic code with planted connascence violations.\"\"\"",
        );
        self.line(0, "import functools");
        self.line(0, "import json");
        self.line(0, "import time");
        self.line(0, "from collections import defaultdict");
        self.line(0, "");
        let limit = self.rng.random_range(10..500);
        self.line(0, &format!("MAX_ITEMS = {limit}"));
        self.line(0, "DEFAULT_LABEL = \"generated\"");
        self.line(0, "");
        while self.lines < target_lines {
            self.line(0, "");
            if self.rng.random_bool(0.6) {
                self.function(0, false);
            } else {
                self.class();
            }
        }
    }

    fn params(&mut self, method: bool, rule_planted: bool) -> String {
        let count = if rule_planted {
            self.rng.random_range(4..=8)
        } else {
            self.rng.random_range(0..=3)
        };
        let mut names: Vec<String> = Vec::new();
        if method {
            names.push("self".into());
        }
        for index in 0..count {
            names.push(format!("{}_{index}", self.pick(NOUNS)));
        }
        if self.rng.random_bool(0.2) {
            names.push("*".into());
            names.push("strict=False".into());
        }
        names.join(", ")
    }

    /// Writes one function; returns nothing, accounts its planted findings.
    fn function(&mut self, indent: usize, method: bool) {
        let many_params = self.plant("positional-params");
        let long = self.plant("long-function");
        let verb = self.pick(VERBS);
        let noun = self.pick(NOUNS);
        let name = format!("{verb}_{}", self.fresh_name(noun));
        let params = self.params(method, many_params);
        if self.rng.random_bool(0.15) {
            self.line(indent, "@functools.lru_cache(maxsize=None)");
        }
        let start = self.lines;
        self.line(indent, &format!("def {name}({params}):"));
        let doc = format!(
            "\"\"\"{} the {}.\"\"\"",
            capitalize(self.pick(VERBS)),
            self.pick(NOUNS)
        );
        self.line(indent + 1, &doc);
        // Lines from `def` to the body's end: at most 40 unless planted long (then 62..=90).
        let target = if long {
            self.rng.random_range(62..=90)
        } else {
            self.rng.random_range(4..=36)
        };
        let sleeps = self.plant("timing");
        let unbounded = self.plant("unbounded-loop");
        if sleeps {
            let call = format!(
                "time.sleep({}.{})",
                self.rng.random_range(0..3),
                self.rng.random_range(1..10)
            );
            self.line(indent + 1, &call);
        }
        if unbounded {
            self.line(indent + 1, "while True:");
            self.line(indent + 2, "event = json.loads(DEFAULT_LABEL)");
            self.line(indent + 2, "print(event)");
        }
        while self.lines - start < target - 1 {
            let room = target - 1 - (self.lines - start);
            self.statement(indent + 1, room);
        }
        let value = self.expression();
        self.line(indent + 1, &format!("return {value}"));
    }

    fn expression(&mut self) -> String {
        let noun = self.pick(NOUNS);
        let key = self.pick(KEYS);
        match self.rng.random_range(0..6) {
            0 => format!("{noun}.get(\"{key}\", {})", self.rng.random_range(0..100)),
            1 => format!(
                "len({noun}) * {} + {}",
                self.rng.random_range(2..9),
                self.rng.random_range(0..50)
            ),
            2 => format!("[value for value in {noun} if value]"),
            3 => format!("{{\"{key}\": {noun}, \"label\": DEFAULT_LABEL}}"),
            4 => format!("f\"{{{noun}}}-{key}\""),
            _ => format!("{noun} is not None and bool({noun})"),
        }
    }

    /// One statement or block of at most `room` lines (at least one line is always written).
    fn statement(&mut self, indent: usize, room: usize) {
        let var = self.pick(NOUNS);
        let choice = if room < 4 {
            0
        } else {
            self.rng.random_range(0..7)
        };
        match choice {
            0 => {
                let expression = self.expression();
                self.line(indent, &format!("{var} = {expression}"));
            }
            1 => {
                let bound = self.rng.random_range(3..100);
                self.line(indent, &format!("if {var} > {bound}:"));
                self.line(indent + 1, &format!("{var} = {var} - 1"));
                self.line(indent, "else:");
                self.line(indent + 1, &format!("{var} = MAX_ITEMS"));
            }
            2 => {
                let item = self.fresh_name("item");
                self.line(indent, &format!("for {item} in {var}:"));
                self.line(indent + 1, &format!("if {item} == DEFAULT_LABEL:"));
                self.line(indent + 2, "break");
                self.line(indent + 1, &format!("print({item})"));
            }
            3 => {
                self.line(indent, "try:");
                self.line(indent + 1, &format!("{var} = json.loads({var})"));
                self.line(indent, "except ValueError as error:");
                self.line(indent + 1, "raise RuntimeError(str(error)) from error");
            }
            4 => {
                self.line(
                    indent,
                    &format!("with open({var}, encoding=\"utf-8\") as handle:"),
                );
                self.line(indent + 1, "content = handle.read()");
                self.line(indent + 1, "counts = defaultdict(int)");
                self.line(indent + 1, "counts[content] += 1");
            }
            5 => {
                self.line(indent, "while True:");
                self.line(indent + 1, &format!("{var} = json.loads(DEFAULT_LABEL)"));
                self.line(indent + 1, &format!("if not {var}:"));
                self.line(indent + 2, "break");
            }
            _ => {
                let key = self.pick(KEYS);
                self.line(
                    indent,
                    &format!(
                        "totals = {{{var}: {var}.get(\"{key}\") for {var} in range(MAX_ITEMS)}}"
                    ),
                );
                self.line(indent, "print(totals)");
            }
        }
    }

    fn class(&mut self) {
        let god = self.plant("god-object");
        let name = format!(
            "{}{}{}",
            capitalize(self.pick(NOUNS)),
            self.pick(CLASS_SUFFIXES),
            self.counter
        );
        self.counter += 1;
        let base = if self.rng.random_bool(0.3) {
            "(object)"
        } else {
            ""
        };
        self.line(0, &format!("class {name}{base}:"));
        let doc = format!("\"\"\"Keeps {} state.\"\"\"", self.pick(NOUNS));
        self.line(1, &doc);
        self.line(0, "");
        self.line(1, "def __init__(self, source):");
        self.line(2, "self.source = source");
        // Five methods of at most 90 lines keep an ordinary class under 500 lines.
        let methods = if god {
            self.rng.random_range(21..=26)
        } else {
            self.rng.random_range(1..=5)
        };
        for _ in 0..methods {
            self.line(0, "");
            self.function(1, true);
        }
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
