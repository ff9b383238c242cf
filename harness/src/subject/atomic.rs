//! The core's atomic writer, for the harness's files that are not regular (a device or FIFO is
//! written in place, a path through `/proc` too). Part of the subject, as everything that names
//! the core is, but a leaf: `files` uses it and the rest of the subject uses `files`.

use std::path::Path;

/// Writes `text` to `path` through `connascence::atomic`.
pub fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    connascence::atomic::write_file(path, |out| out.write_all(text.as_bytes()))
}
