//! Multiple-testing corrections over a family of p-values: Holm–Bonferroni (family-wise error, for
//! the gate) and Benjamini–Hochberg (false discovery rate, for the report's "likely changed" list).

/// Holm–Bonferroni adjusted p-values, in the input order (compare each with α).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &index) in order.iter().enumerate() {
        let value = ((m - rank) as f64 * p[index]).min(1.0);
        running = running.max(value);
        adjusted[index] = running;
    }
    adjusted
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the input order (compare each with q).
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 1.0;
    for (position, &index) in order.iter().enumerate() {
        let rank = m - position;
        let value = (p[index] * m as f64 / rank as f64).min(1.0);
        running = running.min(value);
        adjusted[index] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn holm_matches_statsmodels() {
        // statsmodels.stats.multitest.multipletests([0.01, 0.04, 0.03, 0.005], method="holm")[1]
        close(&holm(&[0.01, 0.04, 0.03, 0.005]), &[0.03, 0.06, 0.06, 0.02]);
        close(&holm(&[]), &[]);
        close(&holm(&[0.7]), &[0.7]);
    }

    #[test]
    fn benjamini_hochberg_matches_statsmodels() {
        // statsmodels.stats.multitest.multipletests([0.01, 0.04, 0.03, 0.005], method="fdr_bh")[1]
        close(
            &benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005]),
            &[0.02, 0.04, 0.04, 0.02],
        );
        close(&benjamini_hochberg(&[0.5, 0.9]), &[0.9, 0.9]);
    }
}
