//! Reading and writing the files perfgate keeps: only regular files are read, and writes are atomic
//! with temporaries that a crash cannot leave behind for long.
//!
//! [`read_regular`] opens without blocking and refuses what is not a regular file, so a FIFO or a
//! device named as a scenario, settings, results or history file is an error instead of a hang.
//! [`write_atomic`] writes a regular file through `.perfgate-tmp-<pid>-<random>` in the same folder,
//! synced and renamed over it; each write first removes the temporaries of processes that no longer
//! run (a SIGKILL between create and rename), and `.gitignore` keeps git from picking them up. A
//! symbolic link, a device, a FIFO or `/dev/stdout` is written as the core's atomic writer does
//! (links followed, devices and FIFOs in place).

use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file that could not be read or written: what was being done, the file and the cause.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", .path.display())]
pub struct FileError {
    /// `read`, `write`, `open`, …
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// A problem at a place in a file, said as `path:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", .path.display())]
pub struct AtPlace {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl FileError {
    /// The error of doing `action` to `path`, for `map_err`.
    pub fn of(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FileError {
        let path = path.to_path_buf();
        move |source| FileError {
            action,
            path,
            source,
        }
    }
}

/// The name prefix of [`write_atomic`]'s temporaries.
pub const TEMP_PREFIX: &str = ".perfgate-tmp-";

/// The text of `path`, which must be a regular file (symbolic links are followed); a FIFO, device,
/// socket or folder is an `InvalidInput` error saying so, without blocking on it.
pub fn read_regular(path: &Path) -> io::Result<String> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device, socket or folder); perfgate reads only regular files",
        ));
    }
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// Writes `text` to `path` so that readers see the old file or the new one, never a part; the folder
/// is made first. See the module comment for what is not a regular file.
pub fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let regular_or_new = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta.is_file(),
        Err(error) => error.kind() == io::ErrorKind::NotFound,
    };
    if !regular_or_new {
        return crate::subject::atomic::write_in_place(path, text);
    }
    remove_stale_temporaries(dir);
    let permissions = std::fs::metadata(path).ok().map(|meta| meta.permissions());
    let mut temp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .tempfile_in(dir)?;
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file().set_permissions(
            permissions.unwrap_or_else(|| std::fs::Permissions::from_mode(0o644)),
        )?;
    }
    let mut out = io::BufWriter::with_capacity(1 << 16, temp.as_file_mut());
    out.write_all(text.as_bytes())?;
    out.flush()?;
    drop(out);
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Removes `dir`'s temporaries whose writing process is gone (best effort: a folder that cannot be
/// listed, or a file that cannot be removed, is left as it is).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let running = pid.is_some_and(|pid| Path::new("/proc").join(pid.to_string()).exists());
        if !running {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("x.toml");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let error = read_regular(&fifo).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(
            error.to_string().starts_with("not a regular file"),
            "{error}"
        );
        assert_eq!(
            read_regular(dir.path()).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn a_dead_process_temporary_is_removed_by_the_next_write_and_a_live_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        // No process has pid 4194304 + 1 (above Linux's pid_max), so this one is stale.
        let stale = dir.path().join(format!("{TEMP_PREFIX}4194305-abc123"));
        let live = dir
            .path()
            .join(format!("{TEMP_PREFIX}{}-abc123", std::process::id()));
        std::fs::write(&stale, "half").unwrap();
        std::fs::write(&live, "in progress").unwrap();
        let path = dir.path().join("main.json");
        write_atomic(&path, "{}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        assert!(!stale.exists());
        assert!(live.exists());
    }

    #[test]
    fn a_regular_file_is_replaced_whole_and_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.json");
        write_atomic(&path, "first").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o644);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&path, "second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }
}
