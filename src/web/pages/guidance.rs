//! Career guidance: a school's guidance record.

use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::render::page;
use crate::web::viewer::Viewer;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::guidance::GuidanceReport;
use crate::app::{self, Context};
use crate::domain::{OrganizationKind, Role};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/guidance", web::get().to(report));
}

#[derive(Template)]
#[template(path = "guidance.html", config = "src/web/askama.toml")]
struct GuidancePage {
    c: Chrome,
    schools: Vec<(i64, String)>,
    report: GuidanceReport,
    professions: Vec<crate::db::professions::Profession>,
}

impl GuidancePage {
    /// The academic years to choose from: the one under way and four before it.
    fn years(&self) -> Vec<i32> {
        let now = crate::domain::numbers::current_academic_year();
        (now - 4..=now).rev().collect()
    }

    fn is_school(&self, id: &i64) -> bool {
        self.report.school_id == *id
    }

    fn profession(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.professions.iter().find(|p| p.id == id))
            .map(|p| format!("{} {}", p.code, p.title))
            .unwrap_or_default()
    }
}

async fn report(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let query = crate::web::form::Form::of_request(&req);
    let mut errors = Vec::new();
    let asked: Option<i64> = query.optional("school_id", &mut errors, viewer.lang);
    let year: Option<i32> = query.optional("academic_year", &mut errors, viewer.lang);
    if !errors.is_empty() {
        return Err(viewer.error(AppError::Invalid(errors)));
    }
    let schools = if viewer.user.role == Role::School {
        Vec::new()
    } else {
        super::names_of(&ctx, &viewer, Some(OrganizationKind::School)).await?
    };
    let school_id = match viewer.user.role {
        Role::School => viewer.user.organization_id,
        _ => asked.or_else(|| schools.first().map(|s| s.0)),
    }
    .ok_or_else(|| viewer.error(AppError::NotFound("school".into())))?;
    let report = app::guidance::report(&ctx, &viewer.user, school_id, year)
        .await
        .map_err(|e| viewer.error(e))?;
    let professions = super::all_professions(&ctx, &viewer).await?;
    page(&GuidancePage {
        c: viewer.chrome(viewer.tr("Профориентация", "Career guidance")),
        schools,
        report,
        professions,
    })
}
