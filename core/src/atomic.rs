//! Writing an output file so that readers see the old content or the new one, never a part — and
//! without replacing what is not a regular file.
//!
//! A regular file is written through a temporary file in its folder, synced, and renamed over it.
//! A device, FIFO or socket (`--output /dev/null`, `/dev/stdout`, a named pipe) is written in place:
//! renaming over it would replace the device with a file (as root, `/dev/null` itself). A symbolic
//! link is followed, so the link stays and the file it names gets the new content.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where the bytes go.
enum Target {
    /// Not a regular file: opened and written as it is.
    InPlace,
    /// A regular file (or none yet) at this path, replaced by renaming; with the mode to keep.
    Replace(PathBuf, Option<std::fs::Permissions>),
}

fn target(path: &Path) -> io::Result<Target> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a folder",
        )),
        Ok(meta) if !meta.is_file() => Ok(Target::InPlace),
        Ok(meta) => {
            let is_link = std::fs::symlink_metadata(path)?.file_type().is_symlink();
            let file = if is_link {
                std::fs::canonicalize(path)?
            } else {
                path.to_path_buf()
            };
            Ok(Target::Replace(file, Some(meta.permissions())))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            Ok(Target::Replace(path.to_path_buf(), None))
        }
        Err(error) => Err(error),
    }
}

/// Writes `path` with `write` (given a 64 KiB buffered writer): atomically for a regular file (a new
/// one gets mode 0644, a replaced one keeps its mode), in place for a device or FIFO. The folder
/// must exist.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match target(path)? {
        Target::InPlace => {
            let file = std::fs::OpenOptions::new().write(true).open(path)?;
            let mut out = io::BufWriter::with_capacity(1 << 16, file);
            write(&mut out)?;
            out.flush()
        }
        Target::Replace(file, permissions) => {
            let dir = match file.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            let mut temp = tempfile::NamedTempFile::new_in(dir)?;
            temp.as_file().set_permissions(
                permissions.unwrap_or_else(|| std::fs::Permissions::from_mode(0o644)),
            )?;
            {
                let mut out = io::BufWriter::with_capacity(1 << 16, temp.as_file_mut());
                write(&mut out)?;
                out.flush()?;
            }
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
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
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
