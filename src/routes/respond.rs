//! The shapes of the API's answers that many handlers share: a created
//! record with its `Location` and `ETag`, a record with its `ETag`, and a
//! page of a list.

use actix_web::{HttpResponse, http::header};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::problem::ApiError;
use crate::app::conditional::entity_tag_of_json;
use crate::domain::Page;
use crate::error::AppError;

/// Every handler reaches the application through this.
pub type AppState = crate::app::Context;

/// 201 with the created object, its `Location` and its `ETag`.
pub fn created(location: String, body: &impl Serialize) -> Result<HttpResponse, ApiError> {
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    with_tag(response, body)
}

/// 200 with a record and its `ETag`, the tag an `If-Match` compares with.
pub fn tagged(body: &impl Serialize) -> Result<HttpResponse, ApiError> {
    with_tag(HttpResponse::Ok(), body)
}

fn with_tag(
    mut response: actix_web::HttpResponseBuilder,
    body: &impl Serialize,
) -> Result<HttpResponse, ApiError> {
    let json = serde_json::to_vec(body).map_err(|e| AppError::Internal(e.into()))?;
    Ok(response
        .insert_header((header::ETAG, entity_tag_of_json(&json)))
        .insert_header(header::ContentType::json())
        .body(json))
}

/// A page of a list: `{"items": [...], "total": N}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// How many match the filters, on every page.
    pub total: i64,
}

impl<T> From<(Vec<T>, i64)> for Listing<T> {
    fn from((items, total): (Vec<T>, i64)) -> Self {
        Self { items, total }
    }
}

impl<T> Listing<T> {
    /// `page` of a short list already in memory.
    pub fn paged(items: Vec<T>, page: Page) -> Self {
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let items = items
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(page.limit).unwrap_or(0))
            .collect();
        Self { items, total }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        page(self.limit, self.offset)
    }
}

/// `?limit=&offset=` checked.
pub fn page(limit: Option<i64>, offset: Option<i64>) -> Result<Page, ApiError> {
    Page::parse(limit, offset).map_err(|errors| AppError::Invalid(errors).into())
}
