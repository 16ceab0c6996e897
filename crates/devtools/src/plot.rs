//! Charts for `docs/` drawn by the project (SVG, no fonts needed to write them).

use plotters::prelude::*;

/// A horizontal bar chart: one bar per `(label, value)`, values on a linear axis from 0,
/// each bar annotated with its value. Returns the SVG document.
pub fn bars_svg(title: &str, unit: &str, bars: &[(String, f64)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let height = 90 + 60 * bars.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1e-9) * 1.25;
        let n = bars.len() as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(190)
            .build_cartesian_2d(0.0..max, (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(unit)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let i = i as i32;
                Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (b.1, SegmentValue::Exact(i + 1)),
                    ],
                    Palette99::pick(i as usize).mix(0.8).filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                Text::new(
                    format!("{:.1}", b.1),
                    (b.1, SegmentValue::CenterOf(i as i32)),
                    ("sans-serif", 13),
                )
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A reliability diagram: observed share of PHI against the mean predicted probability
/// per bin (`(predicted, observed, n)`), with the diagonal of perfect calibration and each
/// bin's count. Returns the SVG document.
pub fn reliability_svg(title: &str, bins: &[(f64, f64, usize)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(54)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("predicted probability of PHI (calibrated)")
            .y_desc("observed share that was PHI")
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.4)))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new(
                bins.iter().map(|b| (b.0, b.1)),
                BLUE.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                bins.iter()
                    .map(|b| Circle::new((b.0, b.1), 4, BLUE.filled())),
            )
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bins.iter().map(|b| {
                Text::new(
                    format!("n={}", b.2),
                    (b.0, (b.1 - 0.05).max(0.01)),
                    ("sans-serif", 11),
                )
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reliability_diagram_has_the_diagonal_and_a_point_per_bin() {
        let svg = reliability_svg("r", &[(0.1, 0.2, 5), (0.9, 0.85, 40)]).expect("svg");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("n=5") && svg.contains("n=40"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 2);
    }

    #[test]
    fn a_bar_chart_has_one_bar_and_label_per_value() {
        let svg = bars_svg(
            "t",
            "seconds",
            &[("one".into(), 10.0), ("two".into(), 250.0)],
        )
        .expect("svg");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(
            svg.contains("\none\n</text>") && svg.contains("\ntwo\n</text>"),
            "{svg}"
        );
        assert!(svg.contains("250.0") && svg.contains("10.0"));
        // two filled bars of different widths
        assert!(svg.matches("<rect").count() >= 3);
    }
}
