//! The report's SVG charts, drawn with plotters' SVG backend (its built-in text layout, so no system
//! font library is needed): rounds over sample distributions, the change of every scenario with its
//! interval and the threshold band, cost growth on log-log axes with the fitted slope, and trends
//! over a history with their change points.

use plotters::prelude::*;

/// A chart that could not be drawn: plotters' error (its type depends on the backend), as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct ChartError(String);

/// A drawn chart (its SVG text) or why it could not be drawn.
pub type ChartResult = Result<String, ChartError>;

const WIDTH: u32 = 880;
const BASE_COLOUR: RGBColor = RGBColor(90, 110, 140);
const CAND_COLOUR: RGBColor = RGBColor(200, 90, 40);

fn fail<E: std::fmt::Display>(error: E) -> ChartError {
    ChartError(error.to_string())
}

/// One side of a rounds chart: each round's per-sample per-iteration times (ms) and its median.
pub struct Side<'a> {
    pub label: &'a str,
    pub samples_ms: Vec<f32>,
    pub medians_ms: Vec<f32>,
}

/// Per side, a box plot of every sample (batch means) with the round medians as points.
pub fn rounds(caption: &str, sides: &[Side]) -> ChartResult {
    let mut svg = String::new();
    {
        // The whiskers (1.5 IQR fences) may reach past the data: include them in the range.
        let fences: Vec<f32> = sides
            .iter()
            .filter(|s| !s.samples_ms.is_empty())
            .flat_map(|s| Quartiles::new(&s.samples_ms).values())
            .collect();
        let values: Vec<f32> = sides
            .iter()
            .flat_map(|s| s.samples_ms.iter().chain(&s.medians_ms))
            .chain(&fences)
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let (low, high) = values
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let (low, high) = if values.is_empty() {
            (0.0, 1.0)
        } else {
            let pad = ((high - low) * 0.1).max(high.abs() * 0.01).max(1e-6);
            (low - pad, high + pad)
        };
        let labels: Vec<&str> = sides.iter().map(|s| s.label).collect();
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(labels[..].into_segmented(), low..high)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|value| match value {
                SegmentValue::CenterOf(label) | SegmentValue::Exact(label) => label.to_string(),
                SegmentValue::Last => String::new(),
            })
            .y_desc("ms per iteration")
            .light_line_style(WHITE)
            .draw()
            .map_err(fail)?;
        for (index, side) in sides.iter().enumerate() {
            let colour = if side.label == "baseline" {
                BASE_COLOUR
            } else {
                CAND_COLOUR
            };
            if !side.samples_ms.is_empty() {
                let quartiles = Quartiles::new(&side.samples_ms);
                chart
                    .draw_series(std::iter::once(
                        Boxplot::new_vertical(SegmentValue::CenterOf(&labels[index]), &quartiles)
                            .width(60)
                            .style(colour),
                    ))
                    .map_err(fail)?;
            }
            chart
                .draw_series(side.medians_ms.iter().map(|m| {
                    Circle::new(
                        (SegmentValue::CenterOf(&labels[index]), *m),
                        4,
                        colour.filled(),
                    )
                }))
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// How a row of the change chart is drawn: by its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Regressed,
    Improved,
    Inconclusive,
    Other,
}

/// One row of the change chart.
pub struct Change<'a> {
    pub label: &'a str,
    /// Percent change and its interval (percent); an exact metric has none.
    pub change: f64,
    pub interval: Option<(f64, f64)>,
    /// The metric's threshold (percent): the shaded band of its row.
    pub threshold: f64,
    pub mark: Mark,
}

/// The height of one row of the change chart, in pixels.
const ROW: u32 = 24;

/// Every row's change with its interval, sorted by change (the largest at the top), each over its
/// own shaded ±threshold band, with the zero line.
pub fn changes(rows: &[Change]) -> ChartResult {
    let mut rows: Vec<&Change> = rows.iter().collect();
    rows.sort_by(|a, b| a.change.total_cmp(&b.change).then(b.label.cmp(a.label)));
    let finite = |v: f64| v.is_finite().then_some(v);
    let extent = rows
        .iter()
        .flat_map(|r| {
            let (low, high) = r.interval.unwrap_or((r.change, r.change));
            [
                finite(r.change),
                finite(low),
                finite(high),
                Some(r.threshold * 1.5),
            ]
        })
        .flatten()
        .fold(0.1, |m: f64, v| m.max(v.abs()))
        * 1.1;
    let height = 90 + ROW * rows.len().max(1) as u32;
    let longest = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(8);
    let label_area = (longest as u32 * 7 + 16).clamp(120, 380);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let n = rows.len().max(1) as f64;
        let names: Vec<String> = rows.iter().map(|r| r.label.to_owned()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Change against the baseline, with its interval (shaded: the threshold)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(label_area)
            .build_cartesian_2d(-extent..extent, -0.5..n - 0.5)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc("change, %")
            .x_labels(9)
            .x_label_formatter(&|x| {
                format!("{x:+.3}")
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_owned()
            })
            .y_labels(rows.len().max(1))
            .y_label_formatter(&|y| {
                let index = y.round();
                if (y - index).abs() < 0.01 && index >= 0.0 {
                    names.get(index as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .light_line_style(WHITE)
            .draw()
            .map_err(fail)?;
        let clamp = |v: f64| v.clamp(-extent, extent);
        chart
            .draw_series(rows.iter().enumerate().map(|(index, row)| {
                let y = index as f64;
                let t = clamp(row.threshold);
                Rectangle::new(
                    [(-t, y - 0.42), (t, y + 0.42)],
                    RGBColor(222, 236, 222).filled(),
                )
            }))
            .map_err(fail)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.5), (0.0, n - 0.5)],
                RGBColor(150, 150, 150).stroke_width(1),
            )))
            .map_err(fail)?;
        for (index, row) in rows.iter().enumerate() {
            let y = index as f64;
            let colour = match row.mark {
                Mark::Regressed => RGBColor(179, 38, 30),
                Mark::Improved => RGBColor(30, 123, 52),
                Mark::Inconclusive => RGBColor(160, 120, 0),
                Mark::Other => RGBColor(40, 40, 40),
            };
            if let Some((low, high)) = row.interval {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(clamp(low), y), (clamp(high), y)],
                        colour.stroke_width(2),
                    )))
                    .map_err(fail)?;
            }
            chart
                .draw_series(std::iter::once(Circle::new(
                    (clamp(row.change), y),
                    4,
                    colour.filled(),
                )))
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// The least-squares slope of log y on log x.
pub fn log_log_slope(points: &[(f64, f64)]) -> Option<f64> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    if logs.len() < 2 {
        return None;
    }
    let n = logs.len() as f64;
    let (mx, my) = (
        logs.iter().map(|p| p.0).sum::<f64>() / n,
        logs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// A cost against corpus size on log-log axes, with the fitted slope in the caption.
pub fn growth(caption: &str, y_desc: &str, points: &[(f64, f64)]) -> ChartResult {
    let slope = log_log_slope(points);
    let positive: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .collect();
    let bounds = |values: Vec<f64>| {
        let low = values.iter().copied().fold(f64::MAX, f64::min);
        let high = values.iter().copied().fold(f64::MIN, f64::max);
        if positive.is_empty() {
            (1.0, 10.0)
        } else {
            (low / 1.5, high * 1.5)
        }
    };
    let (x0, x1) = bounds(positive.iter().map(|p| p.0).collect());
    let (y0, y1) = bounds(positive.iter().map(|p| p.1).collect());
    let title = match slope {
        Some(slope) => format!("{caption} (fitted slope {slope:.2})"),
        None => caption.to_owned(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc("lines of Python")
            .y_desc(y_desc)
            .draw()
            .map_err(fail)?;
        chart
            .draw_series(LineSeries::new(positive.iter().copied(), BASE_COLOUR))
            .map_err(fail)?;
        chart
            .draw_series(
                positive
                    .iter()
                    .map(|p| Circle::new(*p, 4, BASE_COLOUR.filled())),
            )
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// A metric over the runs of a history (points joined by a line), the mean of each segment between
/// change points (flat lines) and each change point (a vertical line at its first run).
pub fn trend(caption: &str, y_desc: &str, values: &[f64], change_points: &[usize]) -> ChartResult {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (low, high) = finite
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let (low, high) = if finite.is_empty() {
        (0.0, 1.0)
    } else {
        let pad = ((high - low) * 0.1).max(high.abs() * 0.01).max(1e-9);
        (low - pad, high + pad)
    };
    let n = values.len().max(1) as f64;
    let mut bounds: Vec<usize> = vec![0];
    bounds.extend(change_points.iter().copied());
    bounds.push(values.len());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(80)
            .build_cartesian_2d(0.5..n + 0.5, low..high)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc("run")
            .y_desc(y_desc)
            .draw()
            .map_err(fail)?;
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 + 1.0, *v))
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                BASE_COLOUR.mix(0.5),
            ))
            .map_err(fail)?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new(*p, 3, BASE_COLOUR.filled())),
            )
            .map_err(fail)?;
        for pair in bounds.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            if end <= start {
                continue;
            }
            let mean = values[start..end].iter().sum::<f64>() / (end - start) as f64;
            chart
                .draw_series(LineSeries::new(
                    [(start as f64 + 0.5, mean), (end as f64 + 0.5, mean)],
                    CAND_COLOUR.stroke_width(2),
                ))
                .map_err(fail)?;
        }
        for &index in change_points {
            let x = index as f64 + 0.5;
            chart
                .draw_series(LineSeries::new([(x, low), (x, high)], RED.stroke_width(2)))
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_of_power_laws() {
        let linear: Vec<(f64, f64)> = [1.0, 4.0, 16.0].iter().map(|x| (*x, 3.0 * x)).collect();
        assert!((log_log_slope(&linear).unwrap() - 1.0).abs() < 1e-12);
        let square: Vec<(f64, f64)> = [1.0, 4.0, 16.0].iter().map(|x| (*x, x * x)).collect();
        assert!((log_log_slope(&square).unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(log_log_slope(&[(1.0, 1.0)]), None);
    }
}
