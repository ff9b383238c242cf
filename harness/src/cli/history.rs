//! `perfgate history show|trend` and the history part of `gate --history`.

use std::path::Path;

use crate::compare::Comparison;
use crate::history::{self, Record};
use crate::results::Results;
use crate::stats::changepoint::Options;

use crate::cli::args::HistoryAction;
use crate::cli::{CliError, Result, fail};

/// Appends the gate's record to `file` and returns the whole history (for the report's trends).
pub fn record(
    results: &Results,
    comparison: &Comparison,
    profile: &str,
    baseline: &str,
    file: &Path,
) -> Result<Vec<Record>> {
    let record = Record::new(results, comparison, profile, baseline);
    history::append(file, &record)?;
    let records = history::load(file)?;
    eprintln!("history: {} ({} run(s))", file.display(), records.len());
    Ok(records)
}

pub fn history(root: &Path, action: HistoryAction) -> Result<u8> {
    match action {
        HistoryAction::Show {
            history: file,
            profile,
        } => {
            let file = file.unwrap_or_else(|| history::default_path(root, &profile));
            let records = history::load(&file)?;
            if records.is_empty() {
                fail!(
                    "no runs in {} (write them with `perfgate gate --history FILE`)",
                    file.display()
                );
            }
            crate::out!("{}", history::show(&records));
        }
        HistoryAction::Trend {
            history: file,
            profile,
            filter,
            metric,
            out,
        } => {
            let file = file.unwrap_or_else(|| history::default_path(root, &profile));
            let mut records = history::load(&file)?;
            if records.is_empty() {
                fail!(
                    "no runs in {} (write them with `perfgate gate --history FILE`)",
                    file.display()
                );
            }
            let glob = match &filter {
                Some(pattern) => Some(
                    globset::Glob::new(pattern)
                        .map_err(|error| {
                            CliError::Invalid(format!(
                                "invalid --filter glob `{pattern}`: {}",
                                error.kind()
                            ))
                        })?
                        .compile_matcher(),
                ),
                None => None,
            };
            for record in &mut records {
                record.scenarios.retain(|name, values| {
                    values.retain(|m, _| metric.as_ref().is_none_or(|wanted| wanted == m));
                    glob.as_ref().is_none_or(|g| g.is_match(name)) && !values.is_empty()
                });
            }
            let trends = history::trends(&records, &Options::default());
            if trends.is_empty() {
                fail!(
                    "no series in {} matches the filter and metric",
                    file.display()
                );
            }
            crate::out!("{}", history::trend_table(&trends));
            let settings = crate::settings::load(&root.join("perfgate.toml"))?;
            crate::out!("{}", history::coverage_table(&trends, &settings.gate));
            let out = out.unwrap_or_else(|| root.join("reports/history/trend"));
            let index = crate::report::write_trends(
                &trends,
                &file.display().to_string(),
                &settings.gate,
                &out,
            )?;
            eprintln!("trend charts: {}", index.display());
        }
    }
    Ok(0)
}
