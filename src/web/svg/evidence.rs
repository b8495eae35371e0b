//! The evidence page's charts: a parameter's yearly ratios beside its
//! current value and estimate, and the backtest's error by lead time.

use std::fmt::Write;

use super::text::{escape, nice_step};
use crate::domain::Language;

/// One year of a parameter: its ratio (if any) and whether it counts.
#[derive(Debug, Clone, Copy)]
pub struct RatioPoint {
    pub year: i32,
    pub ratio: Option<f64>,
    pub valid: bool,
}

/// A small chart of a parameter's yearly ratios (filled: valid years;
/// hollow: years that do not count), the current value (dashed grey) and
/// the estimate (red).
pub fn ratio_strip(
    points: &[RatioPoint],
    current: f64,
    estimate: Option<f64>,
    lang: Language,
    title: &str,
) -> String {
    const W: f64 = 220.0;
    const H: f64 = 64.0;
    const PAD: f64 = 10.0;
    let values: Vec<f64> = points
        .iter()
        .filter_map(|p| p.ratio)
        .chain([current])
        .chain(estimate)
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let margin = ((hi - lo) * 0.15).max(0.005);
    let (lo, hi) = (lo - margin, hi + margin);
    let y = |v: f64| PAD + (H - 2.0 * PAD) * (hi - v) / (hi - lo);
    let n = points.len().max(1) as f64;
    let x = |i: usize| 30.0 + (W - 40.0) * (i as f64 + 0.5) / n;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="strip" role="img" viewBox="0 0 {W} {H}" width="{W}" height="{H}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"##,
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<line x1="30" x2="{:.1}" y1="{c:.1}" y2="{c:.1}" stroke="#888" stroke-dasharray="4 3"/><text x="2" y="{:.1}" font-size="9" fill="#555">{}</text>"##,
        W - 10.0,
        y(current) + 3.0,
        lang.number(current, 2),
        c = y(current),
    );
    if let Some(estimate) = estimate {
        let _ = write!(
            svg,
            r##"<line class="estimate" x1="30" x2="{:.1}" y1="{e:.1}" y2="{e:.1}" stroke="#b2182b" stroke-width="1.5"/>"##,
            W - 10.0,
            e = y(estimate),
        );
    }
    for (i, point) in points.iter().enumerate() {
        let Some(ratio) = point.ratio else { continue };
        let fill = if point.valid { "#2166ac" } else { "#fff" };
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{fill}" stroke="#2166ac"><title>{}: {}</title></circle>"##,
            x(i),
            y(ratio),
            point.year,
            lang.number(ratio, 4),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One lead of a stage: the model's and the naive forecast's WAPE.
#[derive(Debug, Clone, Copy)]
pub struct LeadBars {
    pub lead: i32,
    pub model: Option<f64>,
    pub naive: Option<f64>,
}

/// The WAPE by lead, the model's bar (blue) beside the naive forecast's (grey).
pub fn wape_chart(leads: &[LeadBars], lang: Language, title: &str) -> String {
    const W: f64 = 360.0;
    const H: f64 = 180.0;
    const LEFT: f64 = 44.0;
    const BOTTOM: f64 = 34.0;
    const TOP: f64 = 12.0;
    let top = leads
        .iter()
        .flat_map(|l| [l.model, l.naive])
        .flatten()
        .fold(0.01_f64, f64::max);
    let step = nice_step(top, 4.0);
    let top = (top / step).ceil() * step;
    let plot_h = H - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h * (1.0 - v / top);
    let group = (W - LEFT - 8.0) / leads.len().max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="chart" role="img" viewBox="0 0 {W} {H}" width="{W}" height="{H}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"##,
        escape(title)
    );
    let mut tick = 0.0;
    while tick <= top + 1e-9 {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{t:.1}" y2="{t:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end">{} %</text>"##,
            W - 8.0,
            LEFT - 4.0,
            y(tick) + 3.0,
            lang.number(tick * 100.0, 0),
            t = y(tick),
        );
        tick += step;
    }
    for (i, lead) in leads.iter().enumerate() {
        let left = LEFT + group * i as f64 + group * 0.15;
        let bar = group * 0.35;
        for (j, (value, colour, who)) in [
            (lead.model, "#2166ac", lang.tr("модель", "model")),
            (lead.naive, "#999", lang.tr("наивный", "naive")),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(value) = value else { continue };
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{bar:.1}" height="{:.1}" fill="{colour}"><title>{who}, {} {}: {} %</title></rect>"##,
                left + bar * j as f64,
                y(value),
                (y(0.0) - y(value)).max(0.5),
                lang.tr("горизонт", "lead"),
                lead.lead,
                lang.number(value * 100.0, 1),
            );
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"##,
            left + bar,
            H - BOTTOM + 14.0,
            lead.lead
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text></svg>"##,
        LEFT + (W - LEFT) / 2.0,
        H - 6.0,
        lang.tr(
            "лет после года прогноза (синие — модель, серые — наивный прогноз)",
            "years after the origin (blue: the model, grey: the naive forecast)"
        )
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strip_draws_each_year_with_a_ratio_and_both_lines() {
        let points = [
            RatioPoint {
                year: 2024,
                ratio: Some(0.36),
                valid: true,
            },
            RatioPoint {
                year: 2025,
                ratio: None,
                valid: false,
            },
            RatioPoint {
                year: 2026,
                ratio: Some(0.38),
                valid: false,
            },
        ];
        let svg = ratio_strip(&points, 0.37, Some(0.36), Language::Ru, "p9 <x>");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(
            svg.matches(r##"fill="#fff""##).count(),
            1,
            "the invalid year is hollow"
        );
        assert!(svg.contains("class=\"estimate\""));
        assert!(svg.contains("p9 &#60;x&#62;"));
    }

    #[test]
    fn the_wape_chart_has_a_bar_for_each_value_it_has() {
        let leads = [
            LeadBars {
                lead: 1,
                model: Some(0.08),
                naive: Some(0.03),
            },
            LeadBars {
                lead: 2,
                model: Some(0.1),
                naive: None,
            },
        ];
        let svg = wape_chart(&leads, Language::En, "t");
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("model, lead 1: 8.0 %"));
    }
}
