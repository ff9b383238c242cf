//! `perfgate gate`: run the selected scenarios, compare them with the stored baseline (re-measured
//! on this host where the stored one cannot be compared), confirm wall-time suspects, write the
//! exports and the report; returns the gate's exit code.

use std::path::Path;

use crate::cli::args::GateArgs;
use crate::cli::common::{
    engines, formats, load_baseline, load_baseline_at, options_of, run_and_save, select, selection,
};
use crate::cli::{Result, fail};
use crate::corpus::CorpusLock;
use crate::scenario::Scenario;

/// The whole command.
pub fn gate(root: &Path, lock: &CorpusLock, gate: GateArgs) -> Result<u8> {
    let GateArgs {
        baseline,
        select: args,
        confirm,
        allow_new,
        history,
        remeasure,
        remeasure_time,
        baseline_from,
        stored,
        output,
    } = gate;
    let formats = formats(&output)?;
    let mut base = match &baseline_from {
        Some(rev) => load_baseline_at(root, &output.profile, &baseline, rev)?,
        None => load_baseline(root, &output.profile, &baseline)?,
    };
    let (selected, all, settings) =
        select(root, lock, args.which.filter.as_deref(), &args.which.tags)?;
    let explicit = args.which.filter.is_some() || !args.which.tags.is_empty();
    let coverage = crate::gate::coverage(&mut base, &selected, &all, explicit);
    if base.scenarios.is_empty() && coverage.missing.is_empty() {
        fail!(
            "the baseline `{baseline}` has none of the {} selected scenario(s) ({}): nothing to gate against; save a baseline of these scenarios or select others",
            selected.len(),
            selected
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let engine_list = engines(&args)?;
    let mut options = options_of(root, &output, &stored, &settings, &all)?;
    let not_gated = crate::gate::restrict_to_engines(&mut base, &engine_list);
    // Leaving out an engine the baseline has is leaving a gated metric uncompared.
    let refused: Vec<&String> = not_gated
        .iter()
        .filter(|family| !options.allow_uncompared.contains(family))
        .collect();
    if !refused.is_empty() {
        fail!(
            "the baseline `{baseline}` has {} data that --engines leaves out: a gated metric would go uncompared; add the engine(s) to --engines or pass --allow-uncompared {}",
            refused
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            refused
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    let loosened = match &baseline_from {
        Some(rev) => crate::gate::stricter_of(root, rev, &mut options, &all),
        None => Vec::new(),
    };
    let selection = selection(&args, &settings);
    let run_tags = selection.tags.clone();
    let (cand, path) = run_and_save(root, lock, &selected, &args, selection, None)?;
    eprintln!("results: {}", path.display());
    let mut comparison = crate::compare::compare(&base, &cand, &options);
    crate::gate::apply_coverage(&mut comparison, coverage);
    let accept = crate::gate::accept_command(
        &base,
        &baseline,
        &output.profile,
        &comparison.added,
        &run_tags,
    );
    crate::gate::require_baselines(&mut comparison, allow_new, &accept);
    comparison.notes.extend(loosened);
    if !not_gated.is_empty() {
        comparison.notes.push(format!(
            "not gated (not in --engines, --allow-uncompared): {}",
            not_gated.join(", ")
        ));
        for family in not_gated {
            if !comparison.uncompared.contains(&family) {
                comparison.uncompared.push(family);
            }
        }
    }
    let wanted = crate::gate::to_remeasure(&base, &cand, &comparison, remeasure);
    if !wanted.is_empty() {
        let deterministic: Vec<String> = crate::engine::ENGINES
            .iter()
            .filter(|engine| !engine.host_bound() && engine_list.contains(engine))
            .map(|engine| engine.name().to_owned())
            .collect();
        let progress = |line: &str| eprintln!("perfgate: {line}");
        let corpus_paths = crate::remeasure::path_corpora(&selected);
        let request = crate::remeasure::Request {
            root,
            baseline: &base,
            candidate: &cand,
            scenarios: &wanted,
            engines: &deterministic,
            corpus_paths: &corpus_paths,
            progress: &progress,
        };
        match crate::remeasure::remeasure(&request) {
            Ok(remeasured) => {
                crate::gate::apply_remeasure(&mut comparison, &remeasured.results, &cand, &options);
                comparison.notes.extend(remeasured.notes);
                comparison.notes.push(format!(
                    "baseline: {baseline} ({}) re-measured on this host for {}",
                    base.fingerprint
                        .git_commit
                        .as_deref()
                        .map_or("-", crate::results::short),
                    wanted
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Err(error) => {
                eprintln!("perfgate: {error}");
                crate::gate::remeasure_failed(&mut comparison, &wanted, &error.to_string());
            }
        }
    }
    let mut shown: Option<(crate::results::Results, crate::results::Results)> = None;
    if remeasure_time && engine_list.contains(&crate::engine::time::ENGINE) {
        let timed: Vec<Scenario> = selected
            .iter()
            .filter(|s| s.engines.time.is_some())
            .cloned()
            .collect();
        // The most any selected scenario asks for (each has its own `rounds`).
        let rounds = args.rounds.unwrap_or_else(|| {
            timed
                .iter()
                .filter_map(|s| s.engines.time.map(|t| t.rounds))
                .max()
                .unwrap_or(crate::scenario::DEFAULT_ROUNDS)
        });
        let progress = |line: &str| eprintln!("perfgate: {line}");
        match crate::remeasure::remeasure_time(root, &base, &timed, rounds, &progress) {
            Ok((base_time, head_time)) => {
                crate::gate::apply_time_remeasure(
                    &mut comparison,
                    &base_time,
                    &head_time,
                    &options,
                );
                // The report's rounds charts show the rounds the verdict was taken on.
                shown = Some((
                    crate::gate::with_time_of(&base, &base_time),
                    crate::gate::with_time_of(&cand, &head_time),
                ));
            }
            Err(error) => {
                eprintln!("perfgate: {error}");
                comparison.errors.push(format!("--remeasure-time: {error}"));
            }
        }
    }
    if confirm {
        let progress = |line: &str| eprintln!("perfgate: {line}");
        crate::gate::confirm_suspects(
            (root, lock),
            &base,
            &selected,
            args.rounds,
            &options,
            &mut comparison,
            &progress,
        );
    }
    let dir = output
        .output
        .unwrap_or_else(|| root.join("target/perfgate/gate"));
    let link = crate::export::report_link(output.report_url.as_deref(), "reports/gate/index.html");
    let written = crate::gate::emit(&comparison, &cand, &baseline, &formats, &dir, Some(link))?;
    let history = match &history {
        Some(file) => Some(super::history::record(
            &cand,
            &comparison,
            &output.profile,
            &baseline,
            file,
        )?),
        None => None,
    };
    let report_dir = root.join("reports/gate");
    let mut gate_command = format!(
        "cargo run --release -p perfgate -- gate --baseline {baseline} --engines {}",
        args.engines.join(",")
    );
    if let Some(filter) = &args.which.filter {
        gate_command.push_str(&format!(" --filter {}", crate::shell_quote(filter)));
    }
    if !args.which.tags.is_empty() {
        gate_command.push_str(&format!(" --tags {}", args.which.tags.join(",")));
    }
    let report_command = format!(
        "cargo run --release -p perfgate -- report --baseline {baseline} --candidate {} --output reports/gate",
        path.strip_prefix(root).unwrap_or(&path).display()
    );
    let index = crate::gate::write_report(
        root,
        &output.profile,
        &comparison,
        (shown.as_ref().map_or(&base, |s| &s.0), &baseline),
        (
            shown.as_ref().map_or(&cand, |s| &s.1),
            &path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string(),
        ),
        &all,
        &report_dir,
        vec![gate_command, report_command],
        history.as_deref(),
    )?;
    eprintln!(
        "report: {}",
        index.strip_prefix(root).unwrap_or(&index).display()
    );
    eprintln!(
        "exports: {}",
        written
            .iter()
            .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(comparison.exit_code())
}
