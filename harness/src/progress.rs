//! Long steps made visible: a build, an install, a corpus download, a scenario's measurement.
//!
//! A [`Step`] shows itself only once it has taken longer than [`AFTER`] (an up-to-date build says
//! nothing). On a terminal it is a spinner with the step and its elapsed time, drawn in the one
//! [`MULTI`] that the run's progress bar also lives in; in a log (standard error not a terminal, as
//! in CI) it is a plain line when it starts, one at least every [`EVERY`] while it runs (`… still
//! building the callgrind bench (40 s so far)`), and one when it ends. A measuring step speaks
//! only in a log, first after [`EVERY`], and not at its end (the scenario's line says it). The time of set-up steps
//! is added up ([`setup_time`]) so that a scenario's time can be told apart from the set-up it
//! happened to trigger.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest a running step stays silent in a log.
pub const EVERY: Duration = Duration::from_secs(10);

/// A step shows itself only when it runs longer than this.
pub const AFTER: Duration = Duration::from_secs(1);

/// Sets [`EVERY`] in milliseconds instead (for tests of the progress lines).
pub const EVERY_ENV: &str = "PERFGATE_PROGRESS_EVERY_MS";

/// Makes `perfgate run` start with a set-up step that sleeps this many milliseconds (for tests
/// of what a slow set-up prints).
pub const INJECT_SLOW_SETUP: &str = "PERFGATE_INJECT_SLOW_SETUP_MS";

/// The progress bars of this process, drawn together on standard error.
pub static MULTI: LazyLock<indicatif::MultiProgress> = LazyLock::new(indicatif::MultiProgress::new);

static SETUP_NS: AtomicU64 = AtomicU64::new(0);

/// Set-up steps running now: a measuring step keeps quiet meanwhile (one voice in the log).
static SETUP_RUNNING: AtomicU64 = AtomicU64::new(0);

/// The time spent in set-up steps so far in this process.
pub fn setup_time() -> Duration {
    Duration::from_nanos(SETUP_NS.load(Ordering::Relaxed))
}

/// Prints a line above the progress bars on a terminal, else to standard error.
pub fn say(line: &str) {
    if std::io::stderr().is_terminal() {
        MULTI.suspend(|| eprintln!("{line}"));
    } else {
        eprintln!("{line}");
    }
}

/// Where a step's lines go.
pub enum Sink {
    /// A spinner in [`MULTI`].
    Terminal,
    /// Plain lines (a log), to this function.
    Lines(Box<dyn Fn(&str) + Send + Sync>),
    /// Nothing (a measuring step on a terminal, where the run's bar already shows it).
    Silent,
}

/// When a step shows itself and how often it speaks in a log.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub after: Duration,
    pub every: Duration,
}

impl Timing {
    /// [`AFTER`] and [`EVERY`] (or [`EVERY_ENV`]).
    pub fn standard() -> Timing {
        let every = std::env::var(EVERY_ENV)
            .ok()
            .and_then(|ms| ms.parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map_or(EVERY, Duration::from_millis);
        Timing {
            after: AFTER.min(every),
            every,
        }
    }
}

struct Shared {
    message: Mutex<String>,
    done: Mutex<bool>,
    wake: Condvar,
}

/// A running step; it ends when dropped.
pub struct Step {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    started: Instant,
    setup: bool,
}

/// `2.5 s`, `40 s`, `3 min 05 s`.
pub fn elapsed_text(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    if seconds < 10 {
        format!("{:.1} s", elapsed.as_secs_f64())
    } else if seconds < 60 {
        format!("{:.0} s", elapsed.as_secs_f64())
    } else {
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    }
}

impl Step {
    /// A set-up step (a build, an install, a download): shown as said above, its time counted in
    /// [`setup_time`].
    pub fn setup(what: impl Into<String>) -> Step {
        let sink = if std::io::stderr().is_terminal() {
            Sink::Terminal
        } else {
            Sink::Lines(Box::new(|line| eprintln!("{line}")))
        };
        Step::with(what.into(), true, sink, Timing::standard())
    }

    /// A measuring step: lines in a log only (on a terminal the run's bar shows it), the first
    /// after [`EVERY`] and none at the end (the scenario's own line follows).
    pub fn measure(what: impl Into<String>) -> Step {
        let sink = if std::io::stderr().is_terminal() {
            Sink::Silent
        } else {
            Sink::Lines(Box::new(|line| eprintln!("{line}")))
        };
        let timing = Timing::standard();
        let timing = Timing {
            after: timing.every,
            ..timing
        };
        Step::with(what.into(), false, sink, timing)
    }

    /// A step with its sink and timing given (tests).
    pub fn with(what: String, setup: bool, sink: Sink, timing: Timing) -> Step {
        let shared = Arc::new(Shared {
            message: Mutex::new(what),
            done: Mutex::new(false),
            wake: Condvar::new(),
        });
        let started = Instant::now();
        if setup {
            SETUP_RUNNING.fetch_add(1, Ordering::Relaxed);
        }
        let thread = match sink {
            Sink::Silent => None,
            sink => {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name("perfgate-progress".into())
                    .spawn(move || tick(&shared, &sink, timing, started, setup))
                    .ok()
            }
        };
        Step {
            shared,
            thread,
            started,
            setup,
        }
    }

    /// What the step is doing now (`measuring django-unified: round 3/10`).
    pub fn set(&self, message: &str) {
        if let Ok(mut current) = self.shared.message.lock() {
            message.clone_into(&mut current);
        }
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Ok(mut done) = self.shared.done.lock() {
            *done = true;
        }
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if self.setup {
            SETUP_RUNNING.fetch_sub(1, Ordering::Relaxed);
            let nanos = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            SETUP_NS.fetch_add(nanos, Ordering::Relaxed);
        }
    }
}

/// The step's thread: waits until the step ends, speaking as [`Step`] says.
fn tick(shared: &Shared, sink: &Sink, timing: Timing, started: Instant, setup: bool) {
    let message = || shared.message.lock().map(|m| m.clone()).unwrap_or_default();
    let mut spinner: Option<indicatif::ProgressBar> = None;
    let mut shown = false;
    let mut next = started + timing.after;
    let Ok(mut done) = shared.done.lock() else {
        return;
    };
    loop {
        let now = Instant::now();
        if !*done && now < next {
            done = match shared.wake.wait_timeout(done, next - now) {
                Ok((guard, _)) => guard,
                Err(_) => return,
            };
            continue;
        }
        let elapsed = started.elapsed();
        if *done {
            if shown && setup {
                let line = format!("perfgate: {}: done in {}", message(), elapsed_text(elapsed));
                match (sink, &spinner) {
                    (Sink::Lines(out), _) => out(&line),
                    (Sink::Terminal, Some(bar)) => {
                        bar.finish_and_clear();
                        MULTI.remove(bar);
                        MULTI.suspend(|| eprintln!("{line}"));
                    }
                    _ => {}
                }
            }
            return;
        }
        let quiet = !setup && SETUP_RUNNING.load(Ordering::Relaxed) > 0;
        match sink {
            Sink::Lines(_) if quiet => {}
            Sink::Lines(out) if !shown => out(&format!("perfgate: {} …", message())),
            Sink::Lines(out) => out(&format!(
                "perfgate: … still {} ({} so far)",
                message(),
                elapsed_text(elapsed)
            )),
            Sink::Terminal => {
                let bar = spinner.get_or_insert_with(|| {
                    let bar = MULTI.add(indicatif::ProgressBar::new_spinner());
                    if let Ok(style) =
                        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    {
                        bar.set_style(style);
                    }
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                });
                bar.set_message(message());
            }
            Sink::Silent => {}
        }
        shown |= !quiet;
        next = Instant::now()
            + if matches!(sink, Sink::Terminal) {
                Duration::from_millis(250)
            } else {
                timing.every
            };
    }
}

/// Keeps cargo's standard error in `log` (replacing the last build's) and, when it holds warnings,
/// says so in one line that names the file, instead of printing them.
pub fn cargo_log(log: &Path, stderr: &[u8], doing: &str) {
    if let Some(dir) = log.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = crate::write_atomic(log, &String::from_utf8_lossy(stderr));
    let warnings = warning_count(stderr);
    if warnings > 0 {
        say(&format!(
            "perfgate: cargo printed {warnings} warning{} while {doing}: see {}",
            if warnings == 1 { "" } else { "s" },
            log.display()
        ));
    }
}

/// The lines of cargo's output that start a warning.
fn warning_count(stderr: &[u8]) -> usize {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|line| line.trim_start().starts_with("warning"))
        .count()
}

/// The slow set-up step [`INJECT_SLOW_SETUP`] asks for, if it does (once per process).
pub fn injected_slow_setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(slow_setup);
}

fn slow_setup() {
    let Some(ms) = std::env::var(INJECT_SLOW_SETUP)
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    else {
        return;
    };
    let _step = Step::setup(format!(
        "an injected slow set-up step ({INJECT_SLOW_SETUP})"
    ));
    std::thread::sleep(Duration::from_millis(ms));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(step_ms: u64, timing: Timing) -> Vec<String> {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = {
            let lines = Arc::clone(&lines);
            Sink::Lines(Box::new(move |line| {
                lines.lock().unwrap().push(line.to_owned())
            }))
        };
        let step = Step::with("building the fake bench".into(), true, sink, timing);
        std::thread::sleep(Duration::from_millis(step_ms / 2));
        step.set("linking the fake bench");
        std::thread::sleep(Duration::from_millis(step_ms / 2));
        drop(step);
        Arc::try_unwrap(lines).unwrap().into_inner().unwrap()
    }

    #[test]
    fn a_slow_step_speaks_when_it_starts_at_every_interval_and_when_it_ends() {
        let lines = lines_of(
            1000,
            Timing {
                after: Duration::from_millis(50),
                every: Duration::from_millis(100),
            },
        );
        assert_eq!(lines[0], "perfgate: building the fake bench …");
        let still = lines
            .iter()
            .filter(|l| l.starts_with("perfgate: … still "))
            .count();
        // 950 ms after the first line at one line per 100 ms; a loaded machine may lose a few.
        assert!((5..=10).contains(&still), "{lines:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("perfgate: … still linking the fake bench ("))
        );
        let last = lines.last().unwrap();
        assert!(
            last.starts_with("perfgate: linking the fake bench: done in "),
            "{last}"
        );
    }

    #[test]
    fn a_quick_step_says_nothing() {
        let lines = lines_of(
            20,
            Timing {
                after: Duration::from_millis(500),
                every: Duration::from_millis(500),
            },
        );
        assert!(lines.is_empty(), "{lines:?}");
    }

    #[test]
    fn set_up_time_is_counted_apart() {
        let before = setup_time();
        drop(Step::with(
            "a set-up step".into(),
            true,
            Sink::Silent,
            Timing::standard(),
        ));
        let step = Step::with(
            "a set-up step".into(),
            true,
            Sink::Silent,
            Timing::standard(),
        );
        std::thread::sleep(Duration::from_millis(30));
        drop(step);
        assert!(setup_time() - before >= Duration::from_millis(30));
    }

    #[test]
    fn cargo_warnings_go_to_the_log_and_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("logs/cargo-build-bench.log");
        let stderr = b"warning: be sure to add `/x/bin` to your PATH\n   Compiling a v1\nwarning: package `b v1` is yanked\n";
        assert_eq!(warning_count(stderr), 2);
        cargo_log(&log, stderr, "building the callgrind bench");
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            String::from_utf8_lossy(stderr)
        );
        assert_eq!(warning_count(b"   Compiling a v1\n"), 0);
    }

    #[test]
    fn elapsed_times_read_as_seconds_then_minutes() {
        assert_eq!(elapsed_text(Duration::from_millis(2_500)), "2.5 s");
        assert_eq!(elapsed_text(Duration::from_millis(40_400)), "40 s");
        assert_eq!(elapsed_text(Duration::from_secs(185)), "3 min 05 s");
    }
}
