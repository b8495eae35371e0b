//! `kadry calibrate` and `kadry backtest`: steps 10 and 11 as tables for a
//! terminal (or JSON), the same numbers as the API's, as an admin sees them.

use super::base::{Format, failure, open_existing};
use crate::app::{self, forecast::ApplyBody, forecast::BacktestAsked};
use crate::auth::AuthUser;
use crate::config::Settings;
use crate::forecast::evidence::{Backtest, Calibration, CountsRead, WhyNot};

/// A rate as the API writes it: four decimals, `-` for none.
fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

fn why(why_not: Option<WhyNot>) -> &'static str {
    match why_not {
        None => "valid",
        Some(WhyNot::MissingEnrollments) => "a program with seats has no enrollment record",
        Some(WhyNot::MissingCounts) => "a school with counts has none of the year before",
        Some(WhyNot::NoRecords) => "no records",
        Some(WhyNot::ZeroDenominator) => "denominator 0",
    }
}

fn counts(read: CountsRead) -> &'static str {
    match read {
        CountsRead::Exact => "exact counts",
        CountsRead::Protected => "protected counts",
    }
}

/// `--as-of`, `--window`, `--apply`, `--programs` as given.
#[derive(Debug, Clone, Copy, Default)]
pub struct CalibrateArgs {
    pub as_of: Option<i32>,
    pub window: Option<i32>,
    pub apply: bool,
    pub programs: bool,
}

/// `kadry calibrate`: the table of `GET /api/v1/forecast/calibration`; with
/// `--apply` it is applied as `POST .../calibration/apply` applies it.
pub async fn calibrate(
    settings: &Settings,
    args: CalibrateArgs,
    format: Format,
) -> anyhow::Result<String> {
    if args.programs && !args.apply {
        anyhow::bail!("--programs sets programs' completion rates: it needs --apply");
    }
    let ctx = open_existing(settings).await?;
    let user = AuthUser::command_line();
    let calibration = app::forecast::calibration(&ctx, &user, args.as_of, args.window)
        .await
        .map_err(failure)?;
    let mut out = match format {
        Format::Json => serde_json::to_string_pretty(&*calibration)? + "\n",
        Format::Table | Format::Csv => calibration_table(&calibration),
    };
    if args.apply {
        let body = ApplyBody {
            as_of: args.as_of,
            window: args.window,
            programs: Some(args.programs),
        };
        let applied = app::forecast::apply_calibration(&ctx, &user, body)
            .await
            .map_err(failure)?;
        out.push_str(&format!(
            "\napplied: {}{}\n",
            if applied.parameters.is_empty() {
                "nothing (no parameter has 3 valid years)".to_string()
            } else {
                applied.parameters.join(", ")
            },
            if args.programs {
                format!("; completion rates of {} programs", applied.programs)
            } else {
                String::new()
            }
        ));
        let set = applied.set;
        for ((name, value), bound) in set.parameters.named().into_iter().zip(set.bounds.all()) {
            out.push_str(&format!(
                "  {name:<28} {value:.4} ({:.4}..{:.4})\n",
                bound.low, bound.high
            ));
        }
    }
    Ok(out)
}

fn calibration_table(c: &Calibration) -> String {
    let mut out = format!(
        "calibration as of academic year {} over {} years ({})\n\n{:<28} {:>8} {:>8} {:>15} {:>15} {:>6}\n",
        c.as_of,
        c.window,
        counts(c.counts),
        "parameter",
        "current",
        "estimate",
        "current range",
        "range",
        "valid"
    );
    for p in &c.parameters {
        out.push_str(&format!(
            "{:<28} {:>8} {:>8} {:>15} {:>15} {:>3}/{:<2}{}\n",
            p.name,
            rate(Some(p.current)),
            rate(p.estimate),
            format!("{:.4}..{:.4}", p.current_low, p.current_high),
            format!("{}..{}", rate(p.low), rate(p.high)),
            p.valid_years(),
            p.years.len(),
            if p.enough { "" } else { "  not enough" }
        ));
        for y in &p.years {
            out.push_str(&format!(
                "    {}  {:>8} / {:<8} {:>8}  {}{}\n",
                y.year,
                y.numerator,
                y.denominator,
                rate(y.ratio),
                why(y.why_not),
                y.unknown_share
                    .map_or(String::new(), |u| format!(" (unknown {u:.4})"))
            ));
        }
    }
    let proposed: Vec<_> = c.programs.iter().filter(|p| p.proposed.is_some()).collect();
    out.push_str(&format!(
        "\ncompletion: {} of {} programs have a cohort with both records\n{:>6} {:<40} {:>8} {:>7} {:>8} {:>8} {:>8}\n",
        proposed.len(),
        c.programs.len(),
        "id",
        "program",
        "current",
        "cohorts",
        "enrolled",
        "observed",
        "proposed"
    ));
    for p in proposed {
        let title: String = p.title.chars().take(40).collect();
        out.push_str(&format!(
            "{:>6} {:<40} {:>8} {:>7} {:>8} {:>8} {:>8}\n",
            p.program_id,
            title,
            rate(p.current),
            p.cohorts,
            p.enrolled,
            rate(p.observed),
            rate(p.proposed)
        ));
    }
    out
}

/// `kadry backtest`: the table of `GET /api/v1/forecast/backtest`.
pub async fn backtest(
    settings: &Settings,
    asked: BacktestAsked,
    format: Format,
) -> anyhow::Result<String> {
    let ctx = open_existing(settings).await?;
    let backtest = app::forecast::backtest(&ctx, &AuthUser::command_line(), asked)
        .await
        .map_err(failure)?;
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&*backtest)? + "\n",
        Format::Table | Format::Csv => backtest_table(&backtest),
    })
}

fn backtest_table(b: &Backtest) -> String {
    let mut out = format!(
        "backtest up to academic year {} ({}), calibration window {} years\n\norigins:\n",
        b.as_of,
        counts(b.counts),
        b.window
    );
    for origin in &b.origins {
        out.push_str(&format!(
            "  {}  calibrated: {}\n",
            origin.origin,
            if origin.calibrated.is_empty() {
                "none (the model's defaults)".to_string()
            } else {
                origin.calibrated.join(", ")
            }
        ));
    }
    out.push_str(&format!(
        "\n{:<11} {:>5} {:>6} {:>9} {:>8} {:>8} {:>10}\n",
        "stage", "lead", "pairs", "actual", "wape", "bias", "naive wape"
    ));
    for stage in &b.stages {
        let name = serde_json::to_value(stage.stage)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        for lead in &stage.leads {
            out.push_str(&format!(
                "{:<11} {:>5} {:>6} {:>9} {:>8} {:>8} {:>10}\n",
                name,
                lead.lead,
                lead.pairs,
                lead.actual,
                rate(lead.wape),
                rate(lead.bias),
                rate(lead.naive_wape)
            ));
        }
        let o = &stage.overall;
        out.push_str(&format!(
            "{:<11} {:>5} {:>6} {:>9} {:>8} {:>8} {:>10}{}\n",
            name,
            "all",
            o.pairs,
            o.actual,
            rate(o.wape),
            rate(o.bias),
            rate(o.naive_wape),
            match (o.wape, o.naive_wape) {
                (Some(model), Some(naive)) if model > naive => "  worse than naive",
                _ => "",
            }
        ));
    }
    out
}
