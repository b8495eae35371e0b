//! The roster's example file: a CSV a school can open, fill in and upload
//! as it is, naming the region's own professions and clusters.

use actix_web::{HttpResponse, web};

use crate::app::Context;
use crate::auth::policy::{Action, authorize};
use crate::domain::numbers::current_academic_year;
use crate::http::download;
use crate::roster::HEADER;
use crate::web::error::WebError;
use crate::web::viewer::Viewer;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/pupils/import/example.csv", web::get().to(example));
}

/// A CSV field, quoted when it holds a comma or a quote.
fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The example file: three pupils, one with interests in a profession and a
/// cluster of the region's catalogue, one without consent (so nothing but
/// the grade is kept), one without interests.
pub fn example_csv(year: i32, profession_code: Option<&str>, cluster: Option<&str>) -> String {
    let mut interests = Vec::new();
    if let Some(code) = profession_code {
        interests.push(format!("P:{code}:2"));
    }
    if let Some(name) = cluster {
        interests.push(format!("C:{name}:1"));
    }
    format!(
        "{}\n7А-01,7,{year},true,Иванова Мария,{}\n7А-02,7,{year},false,,\n9Б-14,9,{year},true,,\n",
        HEADER.join(","),
        quoted(&interests.join(";"))
    )
}

async fn example(viewer: Viewer, ctx: web::Data<Context>) -> Result<HttpResponse, WebError> {
    authorize(&viewer.user, Action::SeePupilRecords).map_err(|e| viewer.error(e))?;
    let professions = super::all_professions(&ctx, &viewer).await?;
    let clusters = super::all_clusters(&ctx, &viewer).await?;
    let csv = example_csv(
        current_academic_year(),
        professions.first().map(|p| p.code.as_str()),
        clusters.first().map(|c| c.name.as_str()),
    );
    Ok(download::attachment(
        download::CSV,
        "roster-example.csv",
        csv,
    ))
}

#[cfg(test)]
mod tests {
    use super::example_csv;

    #[test]
    fn the_example_names_a_profession_by_code_and_a_cluster_by_name() {
        let csv = example_csv(2026, Some("15.01.32"), Some("Мебельный кластер"));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "external_ref,grade,academic_year,consent,display_name,interests"
        );
        assert_eq!(
            lines[1],
            "7А-01,7,2026,true,Иванова Мария,P:15.01.32:2;C:Мебельный кластер:1"
        );
        assert_eq!(lines[2], "7А-02,7,2026,false,,");
    }
}
