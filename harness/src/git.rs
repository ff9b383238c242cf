//! Git for comparing commits: resolving revisions, the work tree's state, and temporary worktrees
//! (`target/perfgate/worktrees/<commit>/`) that are removed when dropped and on Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, Once};

/// Why a git step failed; each says what was being done and where.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("`git {args}` failed in {}: {last_line}", .repo.display())]
    Failed {
        args: String,
        repo: PathBuf,
        last_line: String,
    },
    #[error("`{0}` is not a revision (it starts with `-`)")]
    NotARevision(String),
    #[error("`{rev}` names no commit in {}", .repo.display())]
    NoCommit { rev: String, repo: PathBuf },
    #[error("cannot create {}: {source}", .path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("git gave no commit time for {commit}: {source}")]
    CommitTime {
        commit: String,
        #[source]
        source: std::num::ParseIntError,
    },
    #[error("cannot date the files of {}: {source}", .path.display())]
    Date {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Runs `git -C repo args…` and returns its trimmed stdout, or an error with git's last line.
pub fn git(repo: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(GitError::Spawn)?;
    if !output.status.success() {
        return Err(GitError::Failed {
            args: args.join(" "),
            repo: repo.to_path_buf(),
            last_line: crate::engine::last_line(&output.stderr),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The bytes of `path` at `commit`, exactly as committed.
pub fn blob(repo: &Path, commit: &str, path: &str) -> Result<Vec<u8>, GitError> {
    let spec = format!("{commit}:{path}");
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["cat-file", "blob", &spec])
        .output()
        .map_err(GitError::Spawn)?;
    if !output.status.success() {
        return Err(GitError::Failed {
            args: format!("cat-file blob {spec}"),
            repo: repo.to_path_buf(),
            last_line: crate::engine::last_line(&output.stderr),
        });
    }
    Ok(output.stdout)
}

/// The full commit id `rev` names in `repo`.
pub fn resolve(repo: &Path, rev: &str) -> Result<String, GitError> {
    if rev.starts_with('-') {
        return Err(GitError::NotARevision(rev.to_owned()));
    }
    git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| GitError::NoCommit {
        rev: rev.to_owned(),
        repo: repo.to_path_buf(),
    })
}

/// The changed and untracked paths of the work tree (`git status --porcelain`), empty when clean.
pub fn changes(repo: &Path) -> Result<Vec<String>, GitError> {
    Ok(git(repo, &["status", "--porcelain"])?
        .lines()
        .map(|line| line.trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect())
}

/// The worktrees to remove on Ctrl-C: (repository, worktree path).
static ACTIVE: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());
static HANDLER: Once = Once::new();

fn remove_worktree(repo: &Path, path: &Path) {
    let _ = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["worktree", "remove", "--force"])
        .arg(path)
        .output();
    let _ = std::fs::remove_dir_all(path);
    let _ = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["worktree", "prune"])
        .output();
}

/// On Ctrl-C (SIGINT or SIGTERM): remove every live worktree, then exit 130.
fn install_interrupt_handler() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            let active = ACTIVE.lock().map(|list| list.clone()).unwrap_or_default();
            for (repo, path) in &active {
                remove_worktree(repo, path);
            }
            eprintln!(
                "perfgate: interrupted; removed {} worktree(s)",
                active.len()
            );
            std::process::exit(130);
        });
    });
}

/// Gives every file under `dir` (but `.git`) the modification time `time`.
fn set_mtimes(dir: &Path, time: std::time::SystemTime) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == ".git" {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            set_mtimes(&entry.path(), time)?;
        } else if kind.is_file() {
            std::fs::File::options()
                .write(true)
                .open(entry.path())?
                .set_modified(time)?;
        }
    }
    Ok(())
}

/// A detached worktree of one commit, removed (with everything written into it) when dropped. Its
/// files carry the commit's time, not the checkout's: a worktree of the same commit at the same
/// path is then up to date for cargo, so comparing or bisecting again rebuilds nothing.
#[derive(Debug)]
pub struct Worktree {
    repo: PathBuf,
    path: PathBuf,
    commit: String,
}

impl Worktree {
    /// Checks `commit` out into `path` (a stale worktree left there by a killed run is removed
    /// first).
    pub fn add(repo: &Path, path: &Path, commit: &str) -> Result<Worktree, GitError> {
        install_interrupt_handler();
        if path.exists() {
            remove_worktree(repo, path);
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitError::Create {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let target = path.to_string_lossy().into_owned();
        // Registered before it exists, so an interrupt during the checkout still removes it.
        if let Ok(mut active) = ACTIVE.lock() {
            active.push((repo.to_path_buf(), path.to_path_buf()));
        }
        let worktree = Worktree {
            repo: repo.to_path_buf(),
            path: path.to_path_buf(),
            commit: commit.to_owned(),
        };
        git(
            repo,
            &["worktree", "add", "--quiet", "--detach", &target, commit],
        )?;
        let seconds: u64 = git(repo, &["show", "-s", "--format=%ct", commit])?
            .parse()
            .map_err(|source| GitError::CommitTime {
                commit: commit.to_owned(),
                source,
            })?;
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
        set_mtimes(path, time).map_err(|source| GitError::Date {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(worktree)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// Replaces the worktree's `dir` (e.g. `scenarios`) by that folder of another commit.
    pub fn take_dir_from(&self, commit: &str, dir: &str) -> Result<(), GitError> {
        let _ = std::fs::remove_dir_all(self.path.join(dir));
        git(&self.path, &["checkout", "--quiet", commit, "--", dir]).map(|_| ())
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        remove_worktree(&self.repo, &self.path);
        if let Ok(mut active) = ACTIVE.lock() {
            active.retain(|(_, path)| path != &self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| git(dir.path(), args).unwrap();
        run(&["init", "--quiet", "--initial-branch=main"]);
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        run(&["add", "."]);
        run(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "--quiet",
            "-m",
            "one",
        ]);
        dir
    }

    #[test]
    fn revisions_resolve_to_commits_and_bad_ones_are_named() {
        let dir = repo();
        let commit = resolve(dir.path(), "main").unwrap();
        assert_eq!(commit.len(), 40);
        assert_eq!(resolve(dir.path(), "HEAD").unwrap(), commit);
        assert_eq!(
            resolve(dir.path(), "nope").unwrap_err().to_string(),
            format!("`nope` names no commit in {}", dir.path().display())
        );
        assert_eq!(
            resolve(dir.path(), "--all").unwrap_err().to_string(),
            "`--all` is not a revision (it starts with `-`)"
        );
    }

    #[test]
    fn a_worktree_holds_the_commit_and_is_gone_after_drop() {
        let dir = repo();
        assert!(changes(dir.path()).unwrap().is_empty());
        let commit = resolve(dir.path(), "HEAD").unwrap();
        let path = dir.path().join("target/wt");
        std::fs::write(dir.path().join("a.txt"), "two\n").unwrap();
        assert_eq!(changes(dir.path()).unwrap(), ["M a.txt"]);
        {
            let worktree = Worktree::add(dir.path(), &path, &commit).unwrap();
            assert_eq!(
                std::fs::read_to_string(worktree.path().join("a.txt")).unwrap(),
                "one\n"
            );
            let committed: u64 = git(dir.path(), &["show", "-s", "--format=%ct", "HEAD"])
                .unwrap()
                .parse()
                .unwrap();
            let modified = std::fs::metadata(worktree.path().join("a.txt"))
                .unwrap()
                .modified()
                .unwrap();
            assert_eq!(
                modified,
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(committed)
            );
            std::fs::write(path.join("scratch"), "x").unwrap();
        }
        assert!(!path.exists());
        assert!(
            !git(dir.path(), &["worktree", "list"])
                .unwrap()
                .contains("wt")
        );
    }
}
