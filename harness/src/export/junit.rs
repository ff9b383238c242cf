//! JUnit XML: one test case per scenario × metric (class = scenario, name = metric). Regressions
//! fail; inconclusive and not comparable metrics are skipped with the reason; scenarios missing from
//! the candidate fail; errors are `<error>` cases. The output is valid against the Jenkins xunit
//! plugin's `junit-10.xsd` (which allows `skipped` on `<testsuite>` only); a test checks it.

use super::{Exporter, Report, interval, markup_text as xml, percent};
use crate::compare::Verdict;

pub struct Junit;

impl Exporter for Junit {
    fn name(&self) -> &'static str {
        "junit"
    }
    fn file_name(&self) -> &'static str {
        "perfgate.junit.xml"
    }
    fn render(&self, report: &Report) -> String {
        let comparison = report.comparison;
        let mut cases = String::new();
        let (mut failures, mut skipped, mut errors) = (0, 0, 0);
        for m in &comparison.metrics {
            let within = if m.interval.is_some() {
                format!(" {}", interval(m))
            } else {
                String::new()
            };
            let summary = format!(
                "{} {}: {} → {} ({}{within}, threshold {})",
                m.scenario,
                m.metric,
                super::value(&m.metric, m.baseline),
                super::value(&m.metric, m.candidate),
                percent(m.ratio),
                crate::report::format::percent(m.threshold)
            );
            let causes: String = m
                .cause
                .iter()
                .map(|cause| format!("\n  {}", crate::compare::cause::line(&m.metric, cause)))
                .collect();
            let body = match m.verdict {
                Verdict::Regressed => {
                    failures += 1;
                    let message = match m.cause.first() {
                        Some(top) => format!(
                            "regressed: {}; {} in {}",
                            super::headline(m),
                            crate::report::format::percent(top.share),
                            top.site
                        ),
                        None if m.metric != "time" => format!("regressed: {}", super::headline(m)),
                        None => format!("regressed: {}{within}", percent(m.ratio)),
                    };
                    let by = if causes.is_empty() {
                        String::new()
                    } else {
                        format!("\nby {}:{causes}", super::cause_kind(&m.metric))
                    };
                    format!(
                        "<failure message=\"{}\">{}</failure>",
                        xml(&message),
                        xml(&format!("{summary}{by}"))
                    )
                }
                Verdict::Inconclusive | Verdict::NotComparable | Verdict::NoBaseline => {
                    skipped += 1;
                    let reason = if m.notes.is_empty() {
                        m.verdict.as_str().to_owned()
                    } else {
                        format!("{}: {}", m.verdict.as_str(), m.notes.join("; "))
                    };
                    format!("<skipped message=\"{}\"/>", xml(&reason))
                }
                Verdict::Improved | Verdict::Unchanged => {
                    format!("<system-out>{}</system-out>", xml(&summary))
                }
            };
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">{body}</testcase>\n",
                xml(&m.scenario),
                xml(&m.metric)
            ));
        }
        for name in &comparison.missing {
            failures += 1;
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"present\"><failure message=\"missing from the candidate\"/></testcase>\n",
                xml(name)
            ));
        }
        for name in &comparison.unbaselined {
            failures += 1;
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"baseline\"><failure message=\"selected, but the baseline does not have it: gated by nothing\"/></testcase>\n",
                xml(name)
            ));
        }
        for error in &comparison.errors {
            errors += 1;
            cases.push_str(&format!(
                "    <testcase classname=\"perfgate\" name=\"error\"><error message=\"{}\"/></testcase>\n",
                xml(error)
            ));
        }
        let tests = comparison.metrics.len()
            + comparison.missing.len()
            + comparison.unbaselined.len()
            + comparison.errors.len();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"perfgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n  <testsuite name=\"perfgate against {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n</testsuites>\n",
            xml(report.baseline)
        )
    }
}
