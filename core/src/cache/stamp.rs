//! What a cache entry remembers of its file's metadata, and whether the file was older than the file
//! system's clock when the run that stored it began: together they decide whether a file can be trusted unchanged without
//! reading it, by git's rules for its index.
//!
//! A file is trusted unchanged, and not read, when its size, modification time (in nanoseconds),
//! status-change time, inode and mode all equal the entry's, **and** its modification time is
//! strictly older than the storing run's clock (decided when the entry is stored). The clock is the file system's own time (the modification
//! time of a file the cache creates when it opens, before any source is looked at), so it has the
//! granularity of the source files' timestamps. A file modified in the same tick as the run that
//! cached it began ("racily clean", as git calls it) cannot be told from its cached state by its
//! metadata: such an entry is always re-hashed until a later run re-stamps it.
//!
//! What remains possible, as for git: a change that restores size, both times, inode and mode
//! exactly (a tool that sets ctime, or a clock set back) goes unseen until the next edit or
//! `--no-cache`.

use std::path::Path;

/// A file's metadata as the cache compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Modification time, nanoseconds since the epoch.
    pub modified_ns: u128,
    /// Status-change time (`ctime`), nanoseconds since the epoch; 0 where the system has none.
    pub changed_ns: u128,
    pub size: u64,
    /// Inode number; 0 where the system has none.
    pub inode: u64,
    /// File type and permission bits; 0 where the system has none.
    pub mode: u32,
}

/// The encoded size of a [`Stamp`]: both times as nanoseconds in 64 bits (enough until the year
/// 2554; a later time is stored saturated, which can only make the stamp differ, never match).
pub(super) const STAMP_BYTES: usize = 8 + 8 + 8 + 8 + 4;

impl Stamp {
    /// The stamp of a file's metadata (`None` when the system gives no modification time).
    pub fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let mut stamp = Stamp {
            modified_ns: modified.as_nanos(),
            changed_ns: 0,
            size: meta.len(),
            inode: 0,
            mode: 0,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let changed = i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec());
            stamp.changed_ns = u128::try_from(changed).unwrap_or(0);
            stamp.inode = meta.ino();
            stamp.mode = meta.mode();
        }
        Some(stamp)
    }

    /// The stamp of bytes that are not a file: derived from their content hash and length, so equal
    /// content gives an equal stamp. Its modification time is 0, older than any clock.
    pub fn of_content(content: &[u8; 16], size: u64) -> Stamp {
        Stamp {
            modified_ns: 0,
            changed_ns: u128::from(u64::from_le_bytes(
                content[..8].try_into().unwrap_or_default(),
            )),
            size,
            inode: 0,
            mode: 0,
        }
    }

    pub(super) fn to_bytes(self) -> [u8; STAMP_BYTES] {
        let mut bytes = [0; STAMP_BYTES];
        let ns = |value: u128| u64::try_from(value).unwrap_or(u64::MAX).to_le_bytes();
        bytes[..8].copy_from_slice(&ns(self.modified_ns));
        bytes[8..16].copy_from_slice(&ns(self.changed_ns));
        bytes[16..24].copy_from_slice(&self.size.to_le_bytes());
        bytes[24..32].copy_from_slice(&self.inode.to_le_bytes());
        bytes[32..].copy_from_slice(&self.mode.to_le_bytes());
        bytes
    }

    pub(super) fn from_bytes(bytes: &[u8; STAMP_BYTES]) -> Stamp {
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        Stamp {
            modified_ns: u128::from(u64_at(0)),
            changed_ns: u128::from(u64_at(8)),
            size: u64_at(16),
            inode: u64_at(24),
            mode: u32::from_le_bytes(bytes[32..].try_into().unwrap()),
        }
    }
}

/// Whether a file with this stamp, stored by a run whose clock said `clock_ns`, can be trusted
/// unchanged when it still has the same stamp: only if it was last modified strictly before that
/// run began (git's racy-timestamp rule). A clock of 0 (unknown) trusts nothing.
pub fn trusted(stamp: &Stamp, clock_ns: u128) -> bool {
    stamp.modified_ns < clock_ns
}

/// The file system's time now, as the modification time of a new empty file in `dir` (removed
/// again); `None` when no file can be created there. Taken when the cache opens, before any source
/// file is looked at, and stored with every entry of the run.
pub fn file_system_now(dir: &Path) -> Option<u128> {
    let probe = tempfile::Builder::new()
        .prefix(".clock-")
        .tempfile_in(dir)
        .ok()?;
    let modified = probe.as_file().metadata().ok()?.modified().ok()?;
    Some(
        modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_survives_its_encoding() {
        let stamp = Stamp {
            modified_ns: 1_765_000_000_123_456_789,
            changed_ns: 1_765_000_001_000_000_001,
            size: 4096,
            inode: 77,
            mode: 0o100644,
        };
        assert_eq!(Stamp::from_bytes(&stamp.to_bytes()), stamp);
    }

    #[test]
    fn only_a_file_modified_strictly_before_the_clock_is_trusted() {
        let stamp = |modified_ns| Stamp {
            modified_ns,
            ..Stamp::of_content(&[0; 16], 1)
        };
        assert!(trusted(&stamp(999), 1000));
        assert!(!trusted(&stamp(1000), 1000));
        assert!(!trusted(&stamp(1001), 1000));
        assert!(!trusted(&stamp(0), 0));
        assert!(trusted(&Stamp::of_content(&[1; 16], 3), 1));
    }

    #[test]
    fn the_file_system_clock_is_not_behind_a_file_written_before_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.py");
        std::fs::write(&file, "x = 1\n").unwrap();
        let written = Stamp::of(&std::fs::metadata(&file).unwrap()).unwrap();
        let now = file_system_now(dir.path()).unwrap();
        assert!(now >= written.modified_ns);
        // The probe file is gone.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        assert!(written.inode != 0 && written.mode != 0 && written.changed_ns != 0);
    }
}
