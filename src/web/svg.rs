//! Charts drawn on the server as plain SVG: no script, no fonts or images
//! from elsewhere, numbers in the page's format. Every chart has a table
//! beside it on its page.

use std::fmt::Write;

mod evidence;
mod text;

pub use evidence::{LeadBars, RatioPoint, ratio_strip, wape_chart};
use text::{escape, nice_step};

use crate::domain::Language;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 56.0;

/// One year of a profession: demand, supply and supply's low-high range.
#[derive(Debug, Clone, Copy)]
pub struct YearPoint {
    pub year: i32,
    pub demand: f64,
    pub supply: f64,
    pub supply_low: f64,
    pub supply_high: f64,
    pub complete: bool,
}

/// Demand and supply per year with supply's low-high band; years after the
/// last complete one are shaded.
pub fn profession_chart(points: &[YearPoint], lang: Language, title: &str) -> String {
    let mut svg = String::new();
    if points.is_empty() {
        return svg;
    }
    let top = points
        .iter()
        .map(|p| p.demand.max(p.supply_high))
        .fold(1.0, f64::max);
    let step = nice_step(top, 5.0);
    let top = (top / step).ceil() * step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = points.len();
    let x = |i: usize| {
        LEFT + if n == 1 {
            plot_w / 2.0
        } else {
            plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h * (1.0 - v.max(0.0) / top);
    let _ = write!(
        svg,
        r##"<svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title>"##,
        escape(title)
    );
    if let Some(first) = points.iter().position(|p| !p.complete) {
        let from = if first == 0 {
            LEFT
        } else {
            (x(first - 1) + x(first)) / 2.0
        };
        let _ = write!(
            svg,
            r##"<rect x="{from:.1}" y="{TOP}" width="{:.1}" height="{plot_h}" fill="#eeeeee"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#555">{}</text>"##,
            LEFT + plot_w - from,
            from + 4.0,
            TOP + 12.0,
            lang.tr("неполные данные", "incomplete")
        );
    }
    let mut tick = 0.0;
    while tick <= top + 1e-9 {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#dddddd"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">{}</text>"##,
            WIDTH - RIGHT,
            y(tick),
            y(tick),
            LEFT - 6.0,
            y(tick) + 4.0,
            lang.number(tick, 0)
        );
        tick += step;
    }
    let every = n.div_ceil(12).max(1);
    for (i, p) in points.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#333">{}</text>"##,
                x(i),
                HEIGHT - BOTTOM + 16.0,
                p.year
            );
        }
    }
    // The band: high along the top, low back along the bottom.
    let mut band = String::new();
    for (i, p) in points.iter().enumerate() {
        let _ = write!(band, "{:.1},{:.1} ", x(i), y(p.supply_high));
    }
    for (i, p) in points.iter().enumerate().rev() {
        let _ = write!(band, "{:.1},{:.1} ", x(i), y(p.supply_low));
    }
    let line = |value: fn(&YearPoint) -> f64| {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(value(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = write!(
        svg,
        r##"<polygon points="{}" fill="#9ecae1" fill-opacity="0.55" stroke="none"/><polyline points="{}" fill="none" stroke="#2166ac" stroke-width="2.5"/><polyline points="{}" fill="none" stroke="#b2182b" stroke-width="2.5" stroke-dasharray="7 4"/>"##,
        band.trim_end(),
        line(|p| p.supply),
        line(|p| p.demand),
    );
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#2166ac"/><circle cx="{:.1}" cy="{:.1}" r="3" fill="#b2182b"/>"##,
            x(i),
            y(p.supply),
            x(i),
            y(p.demand)
        );
    }
    let legend_y = HEIGHT - 14.0;
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{:.1}" y1="{legend_y}" y2="{legend_y}" stroke="#b2182b" stroke-width="2.5" stroke-dasharray="7 4"/><text x="{:.1}" y="{:.1}" font-size="12">{}</text><line x1="{:.1}" x2="{:.1}" y1="{legend_y}" y2="{legend_y}" stroke="#2166ac" stroke-width="2.5"/><text x="{:.1}" y="{:.1}" font-size="12">{}</text><rect x="{:.1}" y="{:.1}" width="24" height="10" fill="#9ecae1" fill-opacity="0.55"/><text x="{:.1}" y="{:.1}" font-size="12">{}</text></svg>"##,
        LEFT + 24.0,
        LEFT + 30.0,
        legend_y + 4.0,
        lang.tr("потребность", "demand"),
        LEFT + 150.0,
        LEFT + 174.0,
        LEFT + 180.0,
        legend_y + 4.0,
        lang.tr("выпуск (центральный)", "supply (central)"),
        LEFT + 360.0,
        legend_y - 5.0,
        LEFT + 390.0,
        legend_y + 4.0,
        lang.tr("выпуск: от низкого до высокого", "supply: low to high"),
    );
    svg
}

/// One parameter's effect on a cell's supply, taken at its low and high bound.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub at_low: f64,
    pub at_high: f64,
}

/// A tornado chart: each parameter's bar from the supply at its low bound to
/// the supply at its high bound, around the central supply; widest first.
/// Room for labels of `font` px written with `text-anchor="end"` at the
/// room's right edge less 8 px: wide enough that the longest is never
/// clipped (a character taken as 0.62 of the font, generous for Cyrillic
/// in the sans-serif fonts pages use), at most half the chart.
fn label_width<'a>(labels: impl Iterator<Item = &'a str>, font: f64) -> f64 {
    let longest = labels.map(|l| l.chars().count()).max().unwrap_or(0) as f64;
    (longest * font * 0.62 + 16.0).clamp(120.0, WIDTH / 2.0)
}

pub fn tornado(bars: &[Bar], central: f64, lang: Language, title: &str) -> String {
    let mut bars = bars.to_vec();
    bars.sort_by(|a, b| {
        let wa = (a.at_high - a.at_low).abs();
        let wb = (b.at_high - b.at_low).abs();
        wb.total_cmp(&wa)
    });
    let row = 34.0;
    let label_w = label_width(bars.iter().map(|b| b.label.as_str()), 12.0);
    let height = TOP + row * bars.len() as f64 + 40.0;
    let lo = bars
        .iter()
        .flat_map(|b| [b.at_low, b.at_high])
        .fold(central, f64::min);
    let hi = bars
        .iter()
        .flat_map(|b| [b.at_low, b.at_high])
        .fold(central, f64::max);
    let pad = ((hi - lo) * 0.1).max(0.5);
    let (lo, hi) = (lo - pad, hi + pad);
    let plot_w = WIDTH - label_w - RIGHT;
    let x = |v: f64| label_w + plot_w * (v - lo) / (hi - lo);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="chart" role="img" aria-labelledby="tornado-title" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title id="tornado-title">{}</title>"##,
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let top = TOP + row * i as f64;
        let (a, b) = (
            x(bar.at_low.min(bar.at_high)),
            x(bar.at_low.max(bar.at_high)),
        );
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end">{}</text><rect x="{a:.1}" y="{:.1}" width="{:.1}" height="18" fill="#6baed6"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"##,
            label_w - 8.0,
            top + 14.0,
            escape(&bar.label),
            top + 2.0,
            (b - a).max(1.0),
            a - 3.0,
            top + 14.0,
            lang.number(bar.at_low.min(bar.at_high), 1),
            b + 3.0,
            top + 14.0,
            lang.number(bar.at_low.max(bar.at_high), 1),
        );
    }
    let bottom = TOP + row * bars.len() as f64;
    let _ = write!(
        svg,
        r##"<line x1="{c:.1}" x2="{c:.1}" y1="{TOP}" y2="{bottom:.1}" stroke="#b2182b" stroke-width="2"/><text x="{c:.1}" y="{:.1}" font-size="12" text-anchor="middle">{} {}</text></svg>"##,
        bottom + 18.0,
        lang.tr("центральный выпуск", "central supply"),
        lang.number(central, 1),
        c = x(central),
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_svg_with_a_band_two_lines_and_the_incomplete_years_shaded() {
        let points: Vec<YearPoint> = (0..4)
            .map(|i| YearPoint {
                year: 2027 + i,
                demand: 10.0 + i as f64,
                supply: 8.0,
                supply_low: 6.0,
                supply_high: 9.5,
                complete: i < 2,
            })
            .collect();
        let svg = profession_chart(&points, Language::Ru, "Сварщик <&>");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<polygon").count(), 1);
        assert!(svg.contains("неполные данные"));
        assert!(
            svg.contains("Сварщик &#60;&#38;&#62;"),
            "escaped as XML text"
        );
        assert!(svg.contains(">2030<"));
    }

    #[test]
    fn the_longest_parameter_name_has_room_for_itself() {
        let long = "доля поступающих после 11 класса (p11)";
        let room = super::label_width([long, "a"].into_iter(), 12.0);
        assert!(
            room - 8.0 >= long.chars().count() as f64 * 12.0 * 0.6,
            "{room}"
        );
        assert_eq!(super::label_width(["a"].into_iter(), 12.0), 120.0);
    }

    #[test]
    fn tornado_bars_are_ordered_widest_first() {
        let bars = vec![
            Bar {
                label: "a".into(),
                at_low: 9.0,
                at_high: 11.0,
            },
            Bar {
                label: "b".into(),
                at_low: 5.0,
                at_high: 15.0,
            },
        ];
        let svg = tornado(&bars, 10.0, Language::En, "t");
        assert!(svg.find(">b<").unwrap() < svg.find(">a<").unwrap());
    }
}
