//! Answers are compressed when the client asks (gzip or brotli) and only
//! then; the XLSX, a zip already, never is.

use std::io::Read;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, VARY};

use crate::helpers::spawn_app;
use crate::pages::Region;

#[tokio::test]
async fn answers_are_compressed_when_asked_and_the_xlsx_never() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let path = "/api/v1/forecast?from=2027&to=2036";
    let get = |encoding: Option<&'static str>, path: String| {
        let mut request = app.client.get(app.url(&path)).bearer_auth(&r.w.admin);
        if let Some(encoding) = encoding {
            request = request.header(ACCEPT_ENCODING, encoding);
        }
        request.send()
    };

    let plain = get(None, path.into()).await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(
        plain.headers().get(CONTENT_ENCODING).is_none(),
        "not asked, not compressed"
    );
    let plain = plain.bytes().await.unwrap();

    let gzip = get(Some("gzip"), path.into()).await.unwrap();
    assert_eq!(gzip.headers()[CONTENT_ENCODING], "gzip");
    assert!(
        gzip.headers()[VARY]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("accept-encoding")
    );
    let gzip = gzip.bytes().await.unwrap();
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzip[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain, "the same answer");
    assert!(
        gzip.len() * 3 < plain.len(),
        "{} of {} bytes",
        gzip.len(),
        plain.len()
    );

    let brotli = get(Some("br"), path.into()).await.unwrap();
    assert_eq!(brotli.headers()[CONTENT_ENCODING], "br");
    let brotli = brotli.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    brotli_decompressor::Decompressor::new(&brotli[..], 4096)
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain);

    // The CSV, a page and the stylesheet too.
    let csv = get(
        Some("gzip"),
        "/api/v1/forecast.csv?from=2027&to=2036".into(),
    )
    .await
    .unwrap();
    assert_eq!(csv.headers()[CONTENT_ENCODING], "gzip");
    let css = app
        .client
        .get(app.url("/static/kadry.css"))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()[CONTENT_ENCODING], "br");
    let page = app
        .client
        .get(app.url("/login"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()[CONTENT_ENCODING], "gzip");

    // The XLSX is a zip: sent as it is, whatever is asked.
    let xlsx = get(
        Some("gzip, br"),
        "/api/v1/forecast.xlsx?from=2027&to=2036".into(),
    )
    .await
    .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let encoding = xlsx
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        encoding.is_none() || encoding.as_deref() == Some("identity"),
        "{encoding:?}"
    );
    let bytes = xlsx.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "the zip itself");
}
