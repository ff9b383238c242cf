//! The stored form of a finding in the result cache: small and cheap to decode.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::detectors::Rule;
use crate::finding::{Finding, Fingerprint, Severity};

/// A finding as stored: the rule by registry index (the build id pins the registry), no file name
/// (the label is part of the key), the fingerprint as its number and a fixed recommendation as its
/// index in the rule's list, so decoding allocates one string per finding (the message).
#[derive(Serialize, Deserialize)]
pub(super) struct StoredFinding {
    rule: u8,
    severity: Severity,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: String,
    recommendation: StoredRecommendation,
    fingerprint: u64,
}

/// A recommendation: one of the rule's fixed texts, or a text built for this finding.
#[derive(Serialize, Deserialize)]
enum StoredRecommendation {
    Fixed(u8),
    Text(String),
}

impl StoredFinding {
    pub(super) fn new(finding: &Finding) -> Self {
        let fixed = finding
            .rule
            .info()
            .recommendations
            .iter()
            .position(|text| *text == finding.recommendation);
        Self {
            rule: finding.rule.index() as u8,
            severity: finding.severity,
            line: finding.line,
            column: finding.column,
            end_line: finding.end_line,
            end_column: finding.end_column,
            message: finding.message.clone(),
            recommendation: match fixed {
                Some(index) => StoredRecommendation::Fixed(index as u8),
                None => StoredRecommendation::Text(finding.recommendation.to_string()),
            },
            fingerprint: finding.fingerprint.0,
        }
    }

    pub(super) fn into_finding(self, file: &Arc<str>) -> Option<Finding> {
        let rule = Rule::all().nth(usize::from(self.rule))?;
        let recommendation = match self.recommendation {
            StoredRecommendation::Fixed(index) => {
                Cow::Borrowed(*rule.info().recommendations.get(usize::from(index))?)
            }
            StoredRecommendation::Text(text) => Cow::Owned(text),
        };
        Some(Finding {
            rule,
            connascence_type: rule.info().connascence_type,
            severity: self.severity,
            file: Arc::clone(file),
            line: self.line,
            column: self.column,
            end_line: self.end_line,
            end_column: self.end_column,
            message: self.message,
            recommendation,
            fingerprint: Fingerprint(self.fingerprint),
        })
    }
}
