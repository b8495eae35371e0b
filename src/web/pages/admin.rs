//! Admins' pages: the organizations, users and their invitations, the email outbox.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::catalogue::NewOrganizationBody;
use crate::app::users::{NewUserBody, UserPatch, UserView};
use crate::app::{self, Context};
use crate::auth::policy::{Action, authorize};
use crate::db::organizations::Organization;
use crate::db::outbox::Notification;
use crate::domain::{OrganizationKind, OutboxStatus, Page, Role};
use crate::error::{AppError, FieldError};
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, invalid_or};
use crate::web::pager::{LIST_PAGE, Pager};
use crate::web::render::{form_status, page_with, see_other};
use crate::web::viewer::Viewer;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/organizations", web::get().to(organizations))
        .route("/admin/organizations", web::post().to(create_organization))
        .route("/admin/users", web::get().to(users))
        .route("/admin/users", web::post().to(invite))
        .route("/admin/users/{id}", web::post().to(change_user))
        .route("/admin/notifications", web::get().to(notifications))
        .route("/admin/notifications/{id}/retry", web::post().to(retry));
}

const ALL: Page = Page {
    limit: Page::MAX_LIMIT,
    offset: 0,
};

fn kind_name(kind: OrganizationKind, c: &Chrome) -> &'static str {
    match kind {
        OrganizationKind::School => c.tr("школа", "school"),
        OrganizationKind::College => c.tr("колледж", "college"),
        OrganizationKind::University => c.tr("вуз", "university"),
        OrganizationKind::Enterprise => c.tr("предприятие", "enterprise"),
    }
}

#[derive(Template)]
#[template(path = "admin_organizations.html", config = "src/web/askama.toml")]
struct OrganizationsPage {
    c: Chrome,
    organizations: Vec<Organization>,
    state: FormState,
}

impl OrganizationsPage {
    fn kind(&self, kind: &OrganizationKind) -> &'static str {
        kind_name(*kind, &self.c)
    }

    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        OrganizationKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_name(*k, &self.c)))
            .collect()
    }
}

async fn organizations_page(
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    authorize(&viewer.user, Action::WriteCatalogue).map_err(|e| viewer.error(e))?;
    let organizations = super::all_organizations(ctx, viewer, None).await?;
    let page_data = OrganizationsPage {
        c: viewer.chrome(viewer.tr("Организации", "Organizations")),
        organizations,
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn organizations(viewer: Viewer, ctx: web::Data<Context>) -> Result<HttpResponse, WebError> {
    organizations_page(&viewer, &ctx, FormState::default()).await
}

async fn create_organization(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let kind = match OrganizationKind::parse(form.get("kind")) {
        Ok(kind) => kind,
        Err(message) => {
            return organizations_page(
                &viewer,
                &ctx,
                FormState::failed(&form, vec![FieldError::new("kind", message)]),
            )
            .await;
        }
    };
    let body = NewOrganizationBody {
        kind,
        name: form.get("name").to_string(),
        town: form.get("town").to_string(),
        email: form.get("email").to_string(),
        cluster_ids: Vec::new(),
        aggregate: form.get("aggregate") == "true",
    };
    match app::catalogue::create_organization(&ctx, &viewer.user, body, None).await {
        Ok(_) => Ok(see_other("/admin/organizations?saved=1")),
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            organizations_page(&viewer, &ctx, state).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_users.html", config = "src/web/askama.toml")]
struct UsersPage {
    c: Chrome,
    users: Vec<UserView>,
    organizations: Vec<Organization>,
    state: FormState,
}

impl UsersPage {
    fn organization(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.organizations.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }

    fn roles(&self) -> Vec<Role> {
        Role::ALL.to_vec()
    }

    fn is_me(&self, id: &i64) -> bool {
        self.c.user.is_some_and(|u| u.id == *id)
    }
}

async fn users_page(
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    let (users, _) = app::users::list_users(ctx, &viewer.user, None, None, ALL)
        .await
        .map_err(|e| viewer.error(e))?;
    let organizations = super::all_organizations(ctx, viewer, None).await?;
    let page_data = UsersPage {
        c: viewer.chrome(viewer.tr("Пользователи", "Users")),
        users,
        organizations,
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn users(viewer: Viewer, ctx: web::Data<Context>) -> Result<HttpResponse, WebError> {
    users_page(&viewer, &ctx, FormState::default()).await
}

async fn invite(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let mut errors = Vec::new();
    let role = Role::parse(form.get("role"))
        .map_err(|m| errors.push(FieldError::new("role", m)))
        .ok();
    let organization_id = form.optional("organization_id", &mut errors, viewer.lang);
    let (Some(role), true) = (role, errors.is_empty()) else {
        return users_page(&viewer, &ctx, FormState::failed(&form, errors)).await;
    };
    let body = NewUserBody {
        email: form.get("email").to_string(),
        role,
        organization_id,
        password: None,
    };
    match app::users::create_user(&ctx, &viewer.user, body, None).await {
        Ok(_) => Ok(see_other("/admin/users?invited=1")),
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            users_page(&viewer, &ctx, state).await
        }
    }
}

async fn change_user(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id: i64 = id
        .parse()
        .map_err(|_| viewer.error(AppError::NotFound("user".into())))?;
    let disabled = form.get("disabled") == "true";
    if disabled && form.get("confirm") != "1" {
        let errors = vec![FieldError::new(
            "confirm",
            viewer.tr(
                "отметьте «да, отключить»: отключённый пользователь сразу теряет доступ",
                "tick \"yes, disable\": a disabled user loses access at once",
            ),
        )];
        return users_page(&viewer, &ctx, FormState::failed(&form, errors)).await;
    }
    let patch = UserPatch {
        role: None,
        organization_id: None,
        disabled: Some(disabled),
    };
    match app::users::change_user(&ctx, &viewer.user, id, patch).await {
        Ok(_) => Ok(see_other("/admin/users?saved=1")),
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            users_page(&viewer, &ctx, state).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_notifications.html", config = "src/web/askama.toml")]
struct NotificationsPage {
    c: Chrome,
    notifications: Vec<Notification>,
    pager: Pager,
    status: Option<OutboxStatus>,
    /// The texts of the messages shown, when emails go to the log.
    texts: std::collections::HashMap<i64, String>,
    to_log: bool,
}

impl NotificationsPage {
    fn statuses(&self) -> Vec<OutboxStatus> {
        vec![
            OutboxStatus::Pending,
            OutboxStatus::Sending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
        ]
    }

    fn text(&self, id: &i64) -> Option<&String> {
        self.texts.get(id)
    }

    fn is_status(&self, name: &str) -> bool {
        self.status.is_some_and(|s| s.as_str() == name)
    }
}

async fn notifications(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let query = Form::of_query(req.query_string(), viewer.lang);
    let status = match query.get("status") {
        "" => None,
        raw => Some(
            OutboxStatus::parse(raw).map_err(|m| viewer.error(AppError::invalid("status", m)))?,
        ),
    };
    let mut pager = Pager::of(&req, LIST_PAGE);
    let (notifications, total) = app::notifications::list(&ctx, &viewer.user, status, pager.page())
        .await
        .map_err(|e| viewer.error(e))?;
    pager.total = total;
    let ids = notifications.iter().map(|n| n.id).collect();
    let texts = app::notifications::texts(&ctx, &viewer.user, ids)
        .await
        .map_err(|e| viewer.error(e))?;
    page_with(
        actix_web::http::StatusCode::OK,
        &NotificationsPage {
            c: viewer.chrome(viewer.tr("Письма", "Emails")),
            notifications,
            pager,
            status,
            texts,
            to_log: ctx.email_to_log,
        },
    )
}

async fn retry(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    let id: i64 = id
        .parse()
        .map_err(|_| viewer.error(AppError::NotFound("notification".into())))?;
    app::notifications::retry(&ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    Ok(see_other("/admin/notifications?retried=1"))
}
