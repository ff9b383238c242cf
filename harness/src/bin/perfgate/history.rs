//! `perfgate history show|trend` and the history part of `gate --history`.

use std::path::Path;

use perfgate::compare::Comparison;
use perfgate::history::{self, Record};
use perfgate::results::Results;
use perfgate::stats::changepoint::Options;

use crate::args::HistoryAction;

/// Appends the gate's record to `file` and returns the whole history (for the report's trends).
pub fn record(
    results: &Results,
    comparison: &Comparison,
    profile: &str,
    baseline: &str,
    file: &Path,
) -> anyhow::Result<Vec<Record>> {
    let record = Record::new(results, comparison, profile, baseline);
    history::append(file, &record).map_err(anyhow::Error::msg)?;
    let records = history::load(file).map_err(anyhow::Error::msg)?;
    eprintln!("history: {} ({} run(s))", file.display(), records.len());
    Ok(records)
}

pub fn history(root: &Path, action: HistoryAction) -> anyhow::Result<u8> {
    match action {
        HistoryAction::Show {
            history: file,
            profile,
        } => {
            let file = file.unwrap_or_else(|| history::default_path(root, &profile));
            let records = history::load(&file).map_err(anyhow::Error::msg)?;
            if records.is_empty() {
                anyhow::bail!(
                    "no runs in {} (write them with `perfgate gate --history FILE`)",
                    file.display()
                );
            }
            perfgate::out!("{}", history::show(&records));
        }
        HistoryAction::Trend {
            history: file,
            profile,
            filter,
            metric,
            out,
        } => {
            let file = file.unwrap_or_else(|| history::default_path(root, &profile));
            let mut records = history::load(&file).map_err(anyhow::Error::msg)?;
            if records.is_empty() {
                anyhow::bail!(
                    "no runs in {} (write them with `perfgate gate --history FILE`)",
                    file.display()
                );
            }
            let glob = match &filter {
                Some(pattern) => Some(
                    globset::Glob::new(pattern)
                        .map_err(|error| {
                            anyhow::anyhow!("invalid --filter glob `{pattern}`: {}", error.kind())
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
                anyhow::bail!(
                    "no series in {} matches the filter and metric",
                    file.display()
                );
            }
            perfgate::out!("{}", history::trend_table(&trends));
            let settings = perfgate::settings::load(&root.join("perfgate.toml"))
                .map_err(anyhow::Error::msg)?;
            perfgate::out!("{}", history::coverage_table(&trends, &settings.gate));
            let out = out.unwrap_or_else(|| root.join("reports/history/trend"));
            let index = perfgate::report::write_trends(
                &trends,
                &file.display().to_string(),
                &settings.gate,
                &out,
            )
            .map_err(anyhow::Error::msg)?;
            eprintln!("trend charts: {}", index.display());
        }
    }
    Ok(0)
}
