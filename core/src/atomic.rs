//! Writing an output file so that readers see the old content or the new one, never a part — and
//! without replacing what is not a regular file.
//!
//! A regular file is written through a temporary file in its folder, synced, and renamed over it (a
//! new file gets mode 0644, a replaced one keeps its mode). Symbolic links are followed (a dangling
//! one too), so a link stays and the file it names gets the content. What is not a regular file is
//! written in place: a device or FIFO (`/dev/null`, a named pipe) — renaming over it would replace the
//! device with a file, as root `/dev/null` itself — and a path through `/proc` (`/dev/fd/3`, which
//! names an open file, not a place). `/dev/stdout` and `/dev/stderr` are written to this process's
//! own streams, so `--output /dev/stdout >> log` appends like standard output does.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where the bytes go.
enum Target {
    Stdout,
    Stderr,
    /// Not a regular file: opened (truncated, which a device or FIFO ignores) and written.
    InPlace(PathBuf),
    /// A regular file (or none yet) at this path, replaced by renaming; with the mode to keep.
    Replace(PathBuf, Option<std::fs::Permissions>),
}

/// How many links a path may go through (the kernel's own limit is 40).
const MAX_LINKS: usize = 40;

/// Follows symbolic links from `path` as far as they lead, a dangling last one included; `None` when
/// a link leads into `/proc` (a descriptor's "link" names an open file, not a path to replace).
fn follow_links(path: &Path) -> io::Result<Option<PathBuf>> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if current.starts_with("/proc") {
            return Ok(None);
        }
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            Ok(_) => return Ok(Some(current)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Some(current)),
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links to follow"
    )))
}

fn target(path: &Path) -> io::Result<Target> {
    match path.to_str() {
        Some("/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1") => return Ok(Target::Stdout),
        Some("/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2") => return Ok(Target::Stderr),
        _ => {}
    }
    let Some(file) = follow_links(path)? else {
        return Ok(Target::InPlace(path.to_path_buf()));
    };
    match std::fs::metadata(&file) {
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a folder",
        )),
        Ok(meta) if !meta.is_file() => Ok(Target::InPlace(file)),
        Ok(meta) => Ok(Target::Replace(file, Some(meta.permissions()))),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Target::Replace(file, None)),
        Err(error) => Err(error),
    }
}

fn buffered(
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    out: impl Write,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    write(&mut out)?;
    out.flush()
}

/// Writes `path` with `write` (given a 64 KiB buffered writer): atomically for a regular file, in
/// place for anything else (see the module comment). The folder must exist.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match target(path)? {
        Target::Stdout => buffered(write, io::stdout().lock()),
        Target::Stderr => buffered(write, io::stderr().lock()),
        Target::InPlace(file) => buffered(
            write,
            std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(file)?,
        ),
        Target::Replace(file, permissions) => {
            let dir = match file.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            let mut temp = tempfile::NamedTempFile::new_in(dir)?;
            temp.as_file().set_permissions(
                permissions.unwrap_or_else(|| std::fs::Permissions::from_mode(0o644)),
            )?;
            buffered(write, temp.as_file_mut())?;
            temp.as_file().sync_all()?;
            temp.persist(&file).map_err(|error| error.error)?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    fn is_link(path: &Path) -> bool {
        std::fs::symlink_metadata(path)
            .unwrap()
            .file_type()
            .is_symlink()
    }

    fn text(content: &'static str) -> impl FnOnce(&mut dyn Write) -> io::Result<()> {
        move |out| out.write_all(content.as_bytes())
    }

    #[test]
    fn a_regular_file_is_replaced_whole_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_file(&path, text("first")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o644);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_file(&path, text("second")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(mode(&path), 0o600);
        // Nothing else is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_symbolic_link_stays_and_its_file_gets_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("real.json");
        std::fs::write(&file, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        write_file(&link, text("new")).unwrap();
        assert!(is_link(&link));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
    }

    #[test]
    fn a_dangling_link_is_followed_and_its_file_made() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink("sub/../missing.json", &link).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        write_file(&link, text("made")).unwrap();
        assert!(is_link(&link));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("missing.json")).unwrap(),
            "made"
        );
    }

    #[test]
    fn a_link_loop_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let error = write_file(&a, text("x")).unwrap_err();
        assert_eq!(error.to_string(), "more than 40 symbolic links to follow");
    }

    #[test]
    fn a_fifo_is_written_in_place_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_file(&fifo, text("through the pipe")).unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn dev_null_stays_a_device() {
        let null = Path::new("/dev/null");
        let is_device = |p: &Path| std::fs::metadata(p).unwrap().file_type().is_char_device();
        if !is_device(null) {
            // Not this test's to repair; the FIFO test covers the same path.
            return;
        }
        write_file(null, text("discarded")).unwrap();
        assert!(is_device(null));
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let error = write_file(dir.path(), text("x")).unwrap_err();
        assert_eq!(error.to_string(), "it is a folder");
    }
}
