//! `perfgate compare` (two results files: verdicts and exports) and `perfgate report` (the HTML
//! report of a comparison, and the targets page).

use std::path::Path;

use crate::cli::args::{CompareArgs, ReportArgs};
use crate::cli::common::{formats, load_baseline, options_of, select};
use crate::cli::{CliError, Result};
use crate::corpus::CorpusLock;

/// `perfgate compare`: returns the comparison's exit code.
pub fn compare(root: &Path, lock: &CorpusLock, args: CompareArgs) -> Result<u8> {
    let CompareArgs {
        baseline,
        candidate,
        stored,
        output,
    } = args;
    let formats = formats(&output)?;
    let base = load_baseline(root, &output.profile, &baseline)?;
    let cand = crate::results::Results::load(&candidate)?;
    let (_, all, settings) = select(root, lock, Some("*"), &[])?;
    let options = options_of(root, &output, &stored, &settings, &all)?;
    let comparison = crate::compare::compare(&base, &cand, &options);
    let dir = output
        .output
        .unwrap_or_else(|| root.join("target/perfgate/compare"));
    let link = output.report_url.clone();
    crate::gate::emit(&comparison, &cand, &baseline, &formats, &dir, link)?;
    Ok(comparison.exit_code())
}

/// `perfgate report`: the report folder (and `--targets-markdown`); always exit 0.
pub fn report(root: &Path, lock: &CorpusLock, args: ReportArgs) -> Result<u8> {
    let ReportArgs {
        baseline,
        candidate,
        out,
        profile,
        allow_foreign,
        targets_markdown,
    } = args;
    let base = load_baseline(root, &profile, &baseline)?;
    let cand = crate::results::Results::load(&candidate)?;
    let (_, all, settings) = select(root, lock, Some("*"), &[])?;
    let options = crate::gate::compare_options(root, &profile, &settings, &all, allow_foreign);
    let comparison = crate::compare::compare(&base, &cand, &options);
    let stem = candidate
        .file_stem()
        .map_or("report".into(), |s| s.to_string_lossy().into_owned());
    let out = out.unwrap_or_else(|| root.join("reports").join(stem));
    let mut command = format!(
        "cargo run --release -p perfgate -- report --baseline {baseline} --candidate {} --output {}",
        candidate.display(),
        out.strip_prefix(root).unwrap_or(&out).display()
    );
    if let Some(file) = &targets_markdown {
        command.push_str(&format!(" --targets-markdown {}", file.display()));
    }
    let index = crate::gate::write_report(
        root,
        &profile,
        &comparison,
        (&base, &baseline),
        (&cand, &candidate.display().to_string()),
        &all,
        &out,
        vec![command],
        None,
    )?;
    crate::outln!("report: {}", index.display());
    if let Some(file) = &targets_markdown {
        let written = out.join("targets.md");
        let page = crate::files::read_regular(&written).map_err(|error| {
            CliError::Invalid(format!("cannot read {}: {error}", written.display()))
        })?;
        crate::export::write_atomic(file, &page)?;
        crate::outln!("targets: {}", file.display());
    }
    Ok(0)
}
