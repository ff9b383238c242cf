//! [`Findings`]: the findings of a report, kept as the per-file batches the aggregator received.
//!
//! Flattening ten million findings into one vector would move every one of them again (about a
//! gigabyte), which cost six times more than aggregating them; so a report keeps the batches and
//! iterates over them in order. It serializes as one flat JSON array.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::finding::Finding;

/// Findings in output order, stored as non-empty per-file batches.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    batches: Vec<Vec<Finding>>,
    len: usize,
}

impl Findings {
    /// Builds from batches (empty ones are dropped); the caller keeps them in output order.
    pub fn from_batches(batches: Vec<Vec<Finding>>) -> Self {
        let batches: Vec<Vec<Finding>> = batches
            .into_iter()
            .filter(|batch| !batch.is_empty())
            .collect();
        let len = batches.iter().map(Vec::len).sum();
        Self { batches, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keeps the findings for which `keep` is true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Finding) -> bool) {
        for batch in &mut self.batches {
            batch.retain(&mut keep);
        }
        self.batches.retain(|batch| !batch.is_empty());
        self.len = self.batches.iter().map(Vec::len).sum();
    }

    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.batches.iter().flatten()
    }

    /// All findings in one vector (moves each finding once).
    pub fn into_vec(self) -> Vec<Finding> {
        let mut all = Vec::with_capacity(self.len);
        for batch in self.batches {
            all.extend(batch);
        }
        all
    }
}

impl From<Vec<Finding>> for Findings {
    fn from(findings: Vec<Finding>) -> Self {
        Self::from_batches(vec![findings])
    }
}

impl PartialEq for Findings {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Findings {}

impl<'a> IntoIterator for &'a Findings {
    type Item = &'a Finding;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<Finding>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.batches.iter().flatten()
    }
}

impl IntoIterator for Findings {
    type Item = Finding;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<Finding>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.batches.into_iter().flatten()
    }
}

impl Serialize for Findings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Findings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Finding>::deserialize(deserializer).map(Findings::from)
    }
}
