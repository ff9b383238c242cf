//! `[corpus]` of a scenario file: exactly one of a pinned corpus (with optional limits), a synthetic
//! corpus (bounded, see [`super::limits`]) or a folder of the repository.

use std::path::{Component, Path};

use toml::Spanned;

use super::limits::{self, Located};
use super::raw::RawCorpus;
use super::{Context, CorpusSource, PROFILES, ScenarioError};
use crate::corpus::CorpusLock;

pub(super) fn unknown_corpus(name: &str, lock: &CorpusLock) -> String {
    format!(
        "unknown corpus `{name}`; the lock (scenarios/corpora.toml) has: {}",
        lock.names().join(", ")
    )
}

pub(super) fn corpus_source(
    raw: &Spanned<RawCorpus>,
    located: &Located<'_>,
    context: &Context<'_>,
) -> Result<CorpusSource, ScenarioError> {
    let corpus = raw.get_ref();
    let given = [
        corpus.corpus.is_some(),
        corpus.synthetic.is_some(),
        corpus.path.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() != 1 {
        return Err(located.at(raw.span(), "[corpus] needs exactly one of `corpus = \"NAME\"`, `synthetic = { files, lines_per_file, seed, profile }` or `path = \"FOLDER\"`"));
    }
    let limits = corpus.max_files.is_some() || corpus.include.is_some();
    if let Some(name) = &corpus.corpus {
        if context.lock.get(name.get_ref()).is_none() {
            return Err(located.at(name.span(), unknown_corpus(name.get_ref(), context.lock)));
        }
        if let Some(max) = &corpus.max_files {
            located.within("max_files", max, 1, limits::MAX_MAX_FILES)?;
        }
        let mut include = Vec::new();
        for glob in corpus.include.iter().flatten() {
            globset::Glob::new(glob.get_ref()).map_err(|error| {
                located.at(
                    glob.span(),
                    format!("invalid glob `{}`: {}", glob.get_ref(), error.kind()),
                )
            })?;
            include.push(glob.get_ref().clone());
        }
        return Ok(CorpusSource::Pinned {
            name: name.get_ref().clone(),
            max_files: corpus.max_files.as_ref().map(|m| *m.get_ref()),
            include,
        });
    }
    if limits {
        return Err(located.at(
            raw.span(),
            "`max_files` and `include` only apply to a pinned `corpus`",
        ));
    }
    if let Some(synthetic) = &corpus.synthetic {
        if !PROFILES.contains(&synthetic.profile.get_ref().as_str()) {
            return Err(located.at(
                synthetic.profile.span(),
                format!(
                    "unknown profile `{}`; expected one of: {}",
                    synthetic.profile.get_ref(),
                    PROFILES.join(", ")
                ),
            ));
        }
        let files = located.within("files", &synthetic.files, 1, limits::MAX_SYNTHETIC_FILES)?;
        let lines_per_file = located.within(
            "lines_per_file",
            &synthetic.lines_per_file,
            1,
            limits::MAX_SYNTHETIC_LINES_PER_FILE,
        )?;
        if files * lines_per_file > limits::MAX_SYNTHETIC_LINES {
            return Err(located.at(
                synthetic.files.span(),
                format!(
                    "`synthetic` asks for {files} files × {lines_per_file} lines = {} lines; at most {} lines are generated",
                    files * lines_per_file,
                    limits::MAX_SYNTHETIC_LINES
                ),
            ));
        }
        return Ok(CorpusSource::Synthetic {
            files,
            lines_per_file,
            seed: synthetic.seed,
            profile: synthetic.profile.get_ref().clone(),
        });
    }
    let path = corpus.path.as_ref().expect("exactly one source is given");
    let relative = Path::new(path.get_ref());
    let escapes = relative.is_absolute()
        || relative.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    if escapes {
        return Err(located.at(path.span(), format!("`path` must be a folder inside the repository, relative and without `..`; got `{}`", path.get_ref())));
    }
    if !context.repo_root.join(relative).is_dir() {
        return Err(located.at(
            path.span(),
            format!(
                "`path` `{}` is not a folder of the repository",
                path.get_ref()
            ),
        ));
    }
    let inside = match (
        std::fs::canonicalize(context.repo_root.join(relative)),
        std::fs::canonicalize(context.repo_root),
    ) {
        (Ok(real), Ok(root)) => real.starts_with(root),
        _ => false,
    };
    if !inside {
        return Err(located.at(
            path.span(),
            format!(
                "`path` `{}` leads out of the repository through a symbolic link; a scenario reads only the repository's own files",
                path.get_ref()
            ),
        ));
    }
    Ok(CorpusSource::Path {
        path: relative.to_path_buf(),
    })
}
