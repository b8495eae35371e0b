//! A pupil's recommended programs as the school's page shows them: the
//! best ten (all on asking), programs that neither match an interest nor
//! lead to a shortage left out unless asked for, each with its college and
//! town.

use std::collections::HashMap;

use crate::app::Context;
use crate::app::recommendations::{Recommendations, RecommendedProgram};
use crate::web::error::WebError;
use crate::web::form::Form;
use crate::web::viewer::Viewer;

/// How many programs are shown before "show all".
pub const SHORT: usize = 10;

/// One program of the list, with where it is taught.
pub struct Shown {
    pub program: RecommendedProgram,
    pub institution: String,
    pub town: String,
}

/// The list as shown, and what is left out.
pub struct Shortlist {
    pub shown: Vec<Shown>,
    /// Programs past the first ten, not shown.
    pub more: usize,
    /// Programs scored 0 (no interest matched, no shortage), not shown.
    pub zero: usize,
    /// Whether everything is shown (`?recommendations=all`).
    pub all: bool,
}

impl Shortlist {
    pub async fn of(
        ctx: &Context,
        viewer: &Viewer,
        recommendations: Recommendations,
    ) -> Result<Self, WebError> {
        let all = Form::of_query(&viewer.query, viewer.lang).get("recommendations") == "all";
        let places: HashMap<i64, (String, String)> = super::all_organizations(ctx, viewer, None)
            .await?
            .into_iter()
            .map(|o| (o.id, (o.name, o.town)))
            .collect();
        Ok(Self::pick(recommendations.items, &places, all))
    }

    fn pick(
        items: Vec<RecommendedProgram>,
        places: &HashMap<i64, (String, String)>,
        all: bool,
    ) -> Self {
        let (kept, zero): (Vec<_>, Vec<_>) = items.into_iter().partition(|r| all || r.score > 0.0);
        let more = if all {
            0
        } else {
            kept.len().saturating_sub(SHORT)
        };
        let shown = kept
            .into_iter()
            .take(if all { usize::MAX } else { SHORT })
            .map(|program| {
                let (institution, town) = places
                    .get(&program.institution_id)
                    .cloned()
                    .unwrap_or_default();
                Shown {
                    program,
                    institution,
                    town,
                }
            })
            .collect();
        Self {
            shown,
            more,
            zero: zero.len(),
            all,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(id: i64, score: f64) -> RecommendedProgram {
        RecommendedProgram {
            program_id: id,
            institution_id: 1,
            title: format!("P{id}"),
            entry_year: 2027,
            graduation_year: 2030,
            score,
            reasons: Vec::new(),
        }
    }

    #[test]
    fn the_best_ten_without_zero_scores_unless_all_are_asked_for() {
        let places = HashMap::from([(1, ("Колледж".to_string(), "Ковров".to_string()))]);
        let items: Vec<_> = (0..14)
            .map(|i| program(i, if i < 12 { 2.0 - i as f64 / 10.0 } else { 0.0 }))
            .collect();
        let short = Shortlist::pick(items.clone(), &places, false);
        assert_eq!(short.shown.len(), 10);
        assert_eq!((short.more, short.zero), (2, 2));
        assert_eq!(short.shown[0].town, "Ковров");
        let all = Shortlist::pick(items, &places, true);
        assert_eq!(all.shown.len(), 14);
        assert_eq!((all.more, all.zero), (0, 0));
    }
}
