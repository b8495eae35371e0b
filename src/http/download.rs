//! Files to download, as both faces send them: an attachment with its
//! content type and file name.

use actix_web::HttpResponse;

use crate::error::AppError;
use crate::forecast::export::rows_as_xlsx;
use crate::forecast::model::Row;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";

/// `body` as an attachment named `filename`.
pub fn attachment(content_type: &str, filename: &str, body: impl Into<Vec<u8>>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body.into())
}

/// Forecast rows as an XLSX attachment with these column titles.
pub fn forecast_xlsx(rows: &[Row], titles: &[&str; 14]) -> Result<HttpResponse, AppError> {
    let bytes = rows_as_xlsx(rows, titles)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing XLSX: {e}")))?;
    let mut response = attachment(XLSX, "forecast.xlsx", bytes);
    // An XLSX is a zip already: compressing it again gains nothing, so the
    // compression layer is told it is encoded as it is.
    response.headers_mut().insert(
        actix_web::http::header::CONTENT_ENCODING,
        actix_web::http::header::HeaderValue::from_static("identity"),
    );
    Ok(response)
}
