//! A program's graduations and graduates' destinations on its page: one
//! table per year, and the forms its institution writes them with.

use actix_web::{HttpRequest, HttpResponse, web};

use super::programs::{DESTINATION_FIELDS, program_id, program_page, saved_or_shown};
use crate::app::conditional::IfMatch;
use crate::app::outcomes::{DestinationBody, GraduationBody, Outcome};
use crate::app::{self, Context};
use crate::error::AppError;
use crate::web::error::WebError;
use crate::web::form::FormState;
use crate::web::render::see_other;
use crate::web::viewer::Viewer;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/programs/{id}/graduations", web::post().to(put_graduation))
        .route(
            "/programs/{id}/graduations/{year}/delete",
            web::post().to(delete_graduation),
        )
        .route(
            "/programs/{id}/destinations",
            web::post().to(put_destination),
        )
        .route(
            "/programs/{id}/destinations/{year}/delete",
            web::post().to(delete_destination),
        );
}

/// The API names a bad field as the body does; the page's forms prefix them.
fn prefixed(error: AppError, prefix: &str) -> AppError {
    match error {
        AppError::Invalid(errors) => AppError::Invalid(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = format!("{prefix}.{}", e.field);
                    e
                })
                .collect(),
        ),
        other => other,
    }
}

async fn put_graduation(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = program_id(&viewer, &id)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let year = form.number("graduation.year", &mut errors, lang);
    let graduates = form.number("graduation.graduates", &mut errors, lang);
    let targeted = form
        .optional("graduation.targeted_graduates", &mut errors, lang)
        .or(Some(0));
    let (Some(year), Some(graduates), Some(targeted_graduates), true) =
        (year, graduates, targeted, errors.is_empty())
    else {
        return program_page(&viewer, &ctx, id, FormState::failed(&form, errors)).await;
    };
    let result = app::outcomes::put_graduation(
        &ctx,
        &viewer.user,
        id,
        year,
        GraduationBody {
            graduates,
            targeted_graduates,
        },
        IfMatch::Absent,
    )
    .await
    .map_err(|e| prefixed(e, "graduation"));
    saved_or_shown(&viewer, &ctx, id, &form, result).await
}

async fn put_destination(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = program_id(&viewer, &id)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let year = form.number("destination.graduation_year", &mut errors, lang);
    let counts: Vec<i32> = DESTINATION_FIELDS
        .iter()
        .map(|(name, _, _)| {
            form.optional(&format!("destination.{name}"), &mut errors, lang)
                .unwrap_or(0)
        })
        .collect();
    let (Some(year), true) = (year, errors.is_empty()) else {
        return program_page(&viewer, &ctx, id, FormState::failed(&form, errors)).await;
    };
    let body = DestinationBody {
        employed_in_profession: counts[0],
        employed_in_profession_targeted: counts[1],
        employed_other: counts[2],
        continued_study: counts[3],
        military_service: counts[4],
        left_region: counts[5],
        unknown: counts[6],
    };
    let result =
        app::outcomes::put_destination(&ctx, &viewer.user, id, year, body, IfMatch::Absent)
            .await
            .map_err(|e| prefixed(e, "destination"));
    saved_or_shown(&viewer, &ctx, id, &form, result).await
}

async fn delete_outcome(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    what: Outcome,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    let id = program_id(&viewer, &path.0)?;
    let year: i32 = path
        .1
        .parse()
        .map_err(|_| viewer.error(AppError::NotFound("year".into())))?;
    app::outcomes::delete(&ctx, &viewer.user, id, what, year, IfMatch::Absent)
        .await
        .map_err(|e| viewer.error(e))?;
    Ok(see_other(&format!("/programs/{id}?deleted=1")))
}

async fn delete_graduation(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    delete_outcome(req, viewer, ctx, path, body, Outcome::Graduation).await
}

async fn delete_destination(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    delete_outcome(req, viewer, ctx, path, body, Outcome::Destination).await
}
