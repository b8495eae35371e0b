//! One cell of the forecast taken apart: its supply by program and intake
//! year with names, its demand by enterprise as the demand policy lets the
//! reader see it, and its sensitivity to each parameter.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::stored::load;
use crate::app::Context;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::forecast as stored;
use crate::db::organizations;
use crate::domain::numbers::year_between;
use crate::error::{AppError, AppResult};
use crate::forecast::engine::{Prepared, Window};
use crate::forecast::explain::{SupplyPart, supply_parts};
use crate::forecast::model::{Bounds, Parameters, two_decimals};

/// One enterprise's demand; `enterprise_id` and `enterprise_name` are
/// `null` for the total of enterprises the caller may not see one by one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandPart {
    pub enterprise_id: Option<i64>,
    pub enterprise_name: Option<String>,
    pub headcount: i64,
}

/// One cohort's part of the cell's supply, with the names behind its ids.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplyLine {
    pub program_title: String,
    pub institution_id: i64,
    pub institution_name: String,
    #[serde(flatten)]
    pub part: SupplyPart,
}

/// One bar of the tornado chart: the cell's supply with one parameter at
/// each of its bounds, the others at their values.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SensitivityBar {
    pub parameter: String,
    pub low: f64,
    pub high: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply_at_low: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply_at_high: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    pub as_of: i32,
    pub profession_id: i64,
    pub profession_code: String,
    pub profession_title: String,
    pub year: i32,
    /// Whether every cohort that could graduate into this cell is known.
    pub complete: bool,
    /// Whether any enterprise has posted demand for this profession for this
    /// year or a later one; where not, a negative gap is no surplus.
    pub demand_known: bool,
    pub parameters: Parameters,
    pub bounds: Bounds,
    #[serde(serialize_with = "two_decimals")]
    pub demand: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply: f64,
    #[serde(serialize_with = "two_decimals")]
    pub gap: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply_low: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply_high: f64,
    pub supply_by_program: Vec<SupplyLine>,
    pub demand_by_enterprise: Vec<DemandPart>,
    pub sensitivity: Vec<SensitivityBar>,
}

/// One cell of the forecast taken apart (every role): its supply by program
/// and intake year with names, its demand by enterprise as the demand policy
/// lets the caller see it, and its sensitivity to each parameter.
pub async fn explain(
    ctx: &Context,
    user: &AuthUser,
    profession_id: i64,
    year: i32,
    as_of: i32,
) -> AppResult<Explanation> {
    authorize(user, Action::ReadForecast)?;
    year_between(year, 2000, 2100).map_err(|m| AppError::invalid("year", m))?;
    // The demand by enterprise a reader sees depends on its role and organization only.
    let key = format!(
        "{profession_id} {year} {as_of} {:?} {:?}",
        user.role, user.organization_id
    );
    let explanation = ctx
        .remembered("explanations", key, || {
            explained(ctx, user, profession_id, year, as_of)
        })
        .await?;
    Ok(Explanation::clone(&explanation))
}

async fn explained(
    ctx: &Context,
    user: &AuthUser,
    profession_id: i64,
    year: i32,
    as_of: i32,
) -> AppResult<Explanation> {
    let basis = load(ctx).await?;
    let (by_enterprise, names, institutions) = ctx
        .run(move |conn| {
            let by_enterprise = stored::demand_by_enterprise(conn, profession_id, year)?;
            let names = stored::names(conn)?;
            let mut ids: Vec<i64> = by_enterprise.iter().map(|(id, _)| *id).collect();
            ids.extend(names.programs.values().map(|(institution, _)| *institution));
            let institutions = organizations::names(conn, &ids)?;
            Ok((by_enterprise, names, institutions))
        })
        .await?;
    let profession = basis
        .inputs
        .professions
        .get(&profession_id)
        .ok_or_else(|| AppError::not_found("profession", profession_id))?;
    let window = Window {
        as_of,
        from: year,
        to: year,
    };
    let prepared = Prepared::new(&basis.inputs, window);
    let forecast = prepared.forecast(&basis.parameters, &basis.bounds);
    let cell = forecast
        .rows
        .iter()
        .find(|row| row.profession_id == profession_id);
    let demand: i64 = by_enterprise.iter().map(|(_, headcount)| headcount).sum();
    let supply_by_program: Vec<SupplyLine> =
        supply_parts(&basis.inputs, &forecast, profession_id, year)
            .into_iter()
            .map(|part| {
                let (institution_id, program_title) = names
                    .programs
                    .get(&part.program_id)
                    .cloned()
                    .unwrap_or_default();
                SupplyLine {
                    program_title,
                    institution_id,
                    institution_name: institutions
                        .get(&institution_id)
                        .cloned()
                        .unwrap_or_default(),
                    part,
                }
            })
            .collect();
    let supply: f64 = cell.map_or(0.0, |row| row.supply);
    let sensitivity = prepared
        .sensitivity(&basis.parameters, &basis.bounds, profession_id, year)
        .into_iter()
        .map(|bar| SensitivityBar {
            parameter: bar.parameter.to_string(),
            low: bar.low,
            high: bar.high,
            supply_at_low: bar.supply_at_low,
            supply_at_high: bar.supply_at_high,
        })
        .collect();
    Ok(Explanation {
        as_of,
        profession_id,
        profession_code: profession.code.clone(),
        profession_title: profession.title.clone(),
        year,
        complete: prepared.complete(profession_id, year),
        demand_known: prepared.demand_known(profession_id, year),
        parameters: basis.parameters,
        bounds: basis.bounds,
        demand: demand as f64,
        supply,
        gap: demand as f64 - supply,
        supply_low: cell.map_or(0.0, |row| row.supply_low),
        supply_high: cell.map_or(0.0, |row| row.supply_high),
        supply_by_program,
        demand_by_enterprise: visible_demand(user, by_enterprise, &institutions),
        sensitivity,
    })
}

/// Demand by enterprise as `user` may see it: one by one for analysts and
/// admins; otherwise the caller's own enterprise and one total for the rest.
fn visible_demand(
    user: &AuthUser,
    by_enterprise: Vec<(i64, i64)>,
    names: &HashMap<i64, String>,
) -> Vec<DemandPart> {
    let named = |enterprise_id: i64, headcount: i64| DemandPart {
        enterprise_id: Some(enterprise_id),
        enterprise_name: names.get(&enterprise_id).cloned(),
        headcount,
    };
    if allows(user, Action::ReadAllDemand) {
        return by_enterprise
            .into_iter()
            .map(|(enterprise_id, headcount)| named(enterprise_id, headcount))
            .collect();
    }
    let mut parts = Vec::new();
    let mut others = 0;
    for (enterprise_id, headcount) in by_enterprise {
        if allows(user, Action::ReadDemand { enterprise_id }) {
            parts.push(named(enterprise_id, headcount));
        } else {
            others += headcount;
        }
    }
    if others > 0 {
        parts.push(DemandPart {
            enterprise_id: None,
            enterprise_name: None,
            headcount: others,
        });
    }
    parts
}
