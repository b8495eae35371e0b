//! The catalogue as the pages need it whole (for pick-lists and for the
//! names behind ids): clusters, professions, organizations and programs the
//! viewer may read, through the same application calls as the API.

use crate::app::{self, Context};
use crate::db::clusters::Cluster;
use crate::db::organizations::{self, Organization};
use crate::db::professions::{self, Profession};
use crate::domain::{OrganizationKind, Page};
use crate::web::error::WebError;
use crate::web::viewer::Viewer;

/// The whole of a catalogue list: for pick-lists and for names.
const ALL: Page = Page {
    limit: Page::MAX_LIMIT,
    offset: 0,
};

/// Every cluster the viewer may read.
pub async fn all_clusters(ctx: &Context, viewer: &Viewer) -> Result<Vec<Cluster>, WebError> {
    Ok(app::catalogue::list_clusters(ctx, &viewer.user, ALL)
        .await
        .map_err(|e| viewer.error(e))?
        .0)
}

/// Every profession.
pub async fn all_professions(ctx: &Context, viewer: &Viewer) -> Result<Vec<Profession>, WebError> {
    let filter = professions::Filter { cluster_id: None };
    Ok(
        app::catalogue::list_professions(ctx, &viewer.user, filter, ALL)
            .await
            .map_err(|e| viewer.error(e))?
            .0,
    )
}

/// Every organization, or every one of a kind.
pub async fn all_organizations(
    ctx: &Context,
    viewer: &Viewer,
    kind: Option<OrganizationKind>,
) -> Result<Vec<Organization>, WebError> {
    let filter = organizations::Filter { kind };
    Ok(
        app::catalogue::list_organizations(ctx, &viewer.user, filter, ALL)
            .await
            .map_err(|e| viewer.error(e))?
            .0,
    )
}

/// Every program.
pub async fn all_programs(
    ctx: &Context,
    viewer: &Viewer,
) -> Result<Vec<crate::db::programs::Program>, WebError> {
    let filter = crate::db::programs::Filter {
        institution_id: None,
        profession_id: None,
    };
    Ok(app::programs::list(ctx, &viewer.user, filter, ALL)
        .await
        .map_err(|e| viewer.error(e))?
        .0)
}

/// `(id, name)` of every organization of a kind (or all), by name.
pub async fn names_of(
    ctx: &Context,
    viewer: &Viewer,
    kind: Option<OrganizationKind>,
) -> Result<Vec<(i64, String)>, WebError> {
    let mut names: Vec<(i64, String)> = all_organizations(ctx, viewer, kind)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(names)
}
