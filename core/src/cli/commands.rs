//! The work of the `connascence` commands: `check` (the configuration, the analysis, the output and
//! the exit code), the result cache's `clean` and `stats`, and the book's rule pages.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::CliError;
use super::args::{CacheAction, CheckArgs, ModeArg};
use crate::cache::{self, CacheOptions};
use crate::config::{self, Config};
use crate::engine::{self, AnalysisOptions};
use crate::output::sarif::{GITHUB_RESULT_LIMIT, SarifOptions};
use crate::output::{self, Format, RenderOptions, TextExtras, rules};
use crate::{Mode, Rule, Severity};
/// The configuration file's settings with the command line's on top.
fn effective_config(args: &CheckArgs) -> Result<Config, CliError> {
    let found = match (&args.config, args.isolated) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => None,
        (None, false) => args.paths.first().and_then(|first| config::discover(first)),
    };
    let mut config = match &found {
        Some(path) => config::load(path)?,
        None => Config {
            root: PathBuf::from("."),
            ..Config::default()
        },
    };
    for id in args.select.iter().flatten().chain(&args.ignore) {
        if Rule::by_id(id).is_none() {
            return Err(CliError::UnknownRule(
                crate::detectors::unknown_rule_message(id),
            ));
        }
    }
    config.settings.select(args.select.as_deref(), &args.ignore);
    config.exclude.extend(args.exclude.iter().cloned());
    if let Some(fail_on) = args.fail_on {
        config.fail_on = Some(fail_on.into());
    }
    Ok(config)
}

pub(super) fn check(args: &CheckArgs) -> Result<ExitCode, CliError> {
    let config = effective_config(args)?;
    let options = AnalysisOptions {
        settings: if args.parse_only {
            crate::Settings::only(&[])
        } else {
            config.settings.clone()
        },
        mode: match args.mode {
            ModeArg::Unified => Mode::Unified,
            ModeArg::PerDetector => Mode::PerDetector,
        },
        threads: args.threads,
        exclude: config.exclude.clone(),
        root: config.root.clone(),
        cache: (!args.no_cache && !args.parse_only).then(|| {
            let dir = args
                .cache_dir
                .clone()
                .unwrap_or_else(|| project_root(&config, &args.paths).join(cache::DEFAULT_DIR));
            CacheOptions::in_dir(dir)
        }),
        max_file_bytes: args.max_file_size.unwrap_or(config.max_file_bytes),
    };
    let (mut report, argument_errors) = engine::check(&args.paths, &options)?;
    if !args.report_unused_ignores {
        report.unused_suppressions.clear();
    }
    if let Some(min) = args.min_severity {
        report.keep_at_least(Severity::from(min));
    }
    if args.format == Format::Sarif && report.findings.len() > GITHUB_RESULT_LIMIT {
        if args.strict {
            return Err(CliError::SarifLimit {
                results: report.findings.len(),
                limit: GITHUB_RESULT_LIMIT,
            });
        }
        report.notices.push(format!(
            "{} SARIF results: GitHub code scanning accepts at most {GITHUB_RESULT_LIMIT} in one run and shows 5000; report fewer with --min-severity or --select",
            report.findings.len()
        ));
    }
    for notice in &report.notices {
        eprintln!("warning: {}", output::escape_controls(notice));
    }
    let extras = RenderOptions {
        text: TextExtras {
            stats: args.stats,
            statistics: args.statistics,
        },
        sarif: SarifOptions {
            root: args.sarif_root.clone(),
            docs_url: args.docs_url.clone(),
        },
    };
    match &args.output {
        Some(path) => crate::atomic::write_file(path, |mut out| {
            output::write(&report, args.format, &extras, &mut out)
        })
        .map_err(|source| CliError::Output {
            path: path.clone(),
            source,
        })?,
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let written =
                output::write(&report, args.format, &extras, &mut out).and_then(|()| out.flush());
            if let Err(code) = stdout_result(written) {
                for error in &argument_errors {
                    eprintln!(
                        "error: {}: {}",
                        output::escape_controls(&error.path),
                        output::escape_controls(&error.message)
                    );
                }
                return Ok(code);
            }
        }
    }
    for error in &argument_errors {
        eprintln!(
            "error: {}: {}",
            output::escape_controls(&error.path),
            output::escape_controls(&error.message)
        );
    }
    if !argument_errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    let fail_on = config.fail_on.unwrap_or(Severity::High);
    let failed = !args.exit_zero
        && report
            .findings
            .iter()
            .any(|finding| finding.severity >= fail_on);
    // The process ends right after: freeing a large report piece by piece would only cost time.
    std::mem::forget(report);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `connascence rules --format markdown --out DIR`: the book's rule pages, each written atomically;
/// pages of rules that no longer exist are removed.
pub(super) fn write_rule_pages(out: Option<&Path>) -> ExitCode {
    let Some(dir) = out else {
        eprintln!(
            "error: `--format markdown` writes one page per rule: give the folder with --out DIR"
        );
        return ExitCode::from(2);
    };
    let file = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| CliError::File {
            action,
            path,
            source,
        }
    };
    let written = (|| -> Result<usize, CliError> {
        std::fs::create_dir_all(dir).map_err(file("create", dir))?;
        let pages = rules::markdown_pages();
        for (name, text) in &pages {
            let path = dir.join(name);
            crate::atomic::write_file(&path, |out| out.write_all(text.as_bytes()))
                .map_err(file("write", &path))?;
        }
        for entry in std::fs::read_dir(dir).map_err(file("read", dir))? {
            let path = entry.map_err(file("read", dir))?.path();
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if name.ends_with(".md") && !pages.iter().any(|(page, _)| *page == name) {
                std::fs::remove_file(&path).map_err(file("remove", &path))?;
            }
        }
        Ok(pages.len())
    })();
    match written {
        Ok(count) => print_or_fail(
            &format!("wrote {count} pages to {}\n", dir.display()),
            ExitCode::SUCCESS,
        ),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// What a write to standard output means for the exit code: a closed pipe (`| head`) ends the
/// output quietly and keeps the run's own code (`Ok`); any other failure (`> /dev/full`) is an
/// error, said on standard error, with exit 2.
fn stdout_result(written: std::io::Result<()>) -> Result<(), ExitCode> {
    match written {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => {
            eprintln!("error: cannot write to standard output: {error}");
            Err(ExitCode::from(2))
        }
    }
}

/// Prints `text` and returns `code`, or 2 when standard output cannot be written (see
/// [`stdout_result`]).
pub(super) fn print_or_fail(text: &str, code: ExitCode) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match stdout_result(out.write_all(text.as_bytes()).and_then(|()| out.flush())) {
        Ok(()) => code,
        Err(failed) => failed,
    }
}

/// Where the project's cache lives: the configuration's folder, else the first path (a folder, or a
/// file's folder).
fn project_root(config: &Config, paths: &[PathBuf]) -> PathBuf {
    if config.source.is_some() {
        return config.root.clone();
    }
    match paths.first() {
        Some(first) if first.is_dir() => first.clone(),
        Some(first) => first
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    }
}

pub(super) fn cache_command(action: &CacheAction) -> ExitCode {
    let (CacheAction::Clean(args) | CacheAction::Stats(args)) = action;
    let dir = args.cache_dir.clone().unwrap_or_else(|| {
        let config = config::discover(&args.path)
            .and_then(|path| config::load(&path).ok())
            .unwrap_or_default();
        project_root(&config, std::slice::from_ref(&args.path)).join(cache::DEFAULT_DIR)
    });
    let result = match action {
        CacheAction::Clean(_) => cache::clean(&dir).map(|removed| {
            if removed {
                format!("removed {}", dir.display())
            } else {
                format!("no cache at {}", dir.display())
            }
        }),
        CacheAction::Stats(_) => cache::stats(&dir).map(|stats| {
            format!(
                "cache: {}\nentries: {}\nsize: {} bytes\nbuild: {}",
                stats.path.display(),
                stats.entries,
                stats.bytes,
                stats.build_id
            )
        }),
    };
    match result {
        Ok(text) => print_or_fail(&format!("{text}\n"), ExitCode::SUCCESS),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
