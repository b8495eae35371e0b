//! The forecast's rows as files: CSV.

use super::model::Row;

/// The forecast rows as CSV, numbers with two decimals, an empty coverage where demand is 0.
pub fn rows_as_csv(rows: &[Row]) -> String {
    let mut csv = String::from("profession_id,profession_code,year,demand,supply,gap,coverage\n");
    for row in rows {
        let coverage = row.coverage.map(|c| format!("{c:.2}")).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{:.2},{:.2},{:.2},{}\n",
            row.profession_id,
            row.profession_code,
            row.year,
            row.demand,
            row.supply,
            row.gap,
            coverage
        ));
    }
    csv
}
