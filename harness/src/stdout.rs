//! Standard output that a closed pipe or a full disk cannot turn into a panic.
//!
//! Rust ignores SIGPIPE, so `println!` panics (exit 101) when the reader went away (`perfgate
//! baseline show main | head -1`) or the disk is full (`> /dev/full`). Every line perfgate prints
//! to standard output goes through [`print`] instead: a closed pipe ends the output quietly (the
//! command still finishes and exits with its verdict's code, as `git log | head` does), any other
//! failure is an error that names standard output (exit 2), never a silent pass.

use std::io::{self, Write};

/// Standard output failed for another reason than a closed pipe.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(pub io::Error);

impl From<io::Error> for StdoutError {
    fn from(error: io::Error) -> Self {
        StdoutError(error)
    }
}

/// Writes `text` to standard output and flushes it; a closed pipe is not an error.
pub fn print(text: &str) -> Result<(), StdoutError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `print!` through [`print`], `?` on its error.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::print(&format!($($arg)*))?
    };
}

/// `println!` through [`print`], `?` on its error.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::stdout::print("\n")?
    };
    ($($arg:tt)*) => {
        $crate::stdout::print(&format!("{}\n", format_args!($($arg)*)))?
    };
}
