//! `perfgate corpus list|fetch`: the pinned corpora, and their download by name, version and hash.

use std::path::Path;

use crate::cli::Result;
use crate::cli::args::CorpusAction;
use crate::corpus::{CorpusLock, Fetcher};

/// The whole command.
pub fn corpus(root: &Path, lock: &CorpusLock, action: CorpusAction) -> Result<u8> {
    let fetcher = Fetcher::new(root);
    match action {
        CorpusAction::List => {
            crate::outln!(
                "{:<16} {:<10} {:>7} {:>9}  cached",
                "name",
                "version",
                "files",
                "lines"
            );
            for corpus in &lock.corpora {
                match fetcher.cached(corpus) {
                    Some(info) => crate::outln!(
                        "{:<16} {:<10} {:>7} {:>9}  yes",
                        corpus.name,
                        corpus.version,
                        info.files,
                        info.lines
                    ),
                    None => crate::outln!(
                        "{:<16} {:<10} {:>7} {:>9}  no",
                        corpus.name,
                        corpus.version,
                        "-",
                        "-"
                    ),
                }
            }
        }
        CorpusAction::Fetch { name } => {
            let corpora = match &name {
                Some(name) => vec![lock.require(name)?.clone()],
                None => lock.corpora.clone(),
            };
            for corpus in corpora {
                let cached = fetcher.cached(&corpus).is_some();
                if !cached {
                    eprintln!(
                        "fetching {} {} (pip download, sha256 {}…)",
                        corpus.package,
                        corpus.version,
                        &corpus.sha256[..12]
                    );
                }
                let info = fetcher.fetch(&corpus)?;
                crate::outln!(
                    "{} {}: {} files, {} lines{}",
                    info.name,
                    info.version,
                    info.files,
                    info.lines,
                    if cached { " (cached)" } else { "" }
                );
            }
        }
    }
    Ok(0)
}
