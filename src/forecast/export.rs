//! The forecast's rows as files: CSV, with every field the JSON rows have.

use super::model::{Row, two_decimals_text};

/// The CSV columns, in order.
pub const COLUMNS: [&str; 13] = [
    "profession_id",
    "profession_code",
    "profession_title",
    "year",
    "demand",
    "supply",
    "gap",
    "coverage",
    "complete",
    "supply_low",
    "supply_high",
    "gap_low",
    "gap_high",
];

/// A text cell as a spreadsheet may open it: one that starts like a formula
/// (`=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`,
/// so that it is shown, never run.
pub fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// One row's cells as text, numbers with two decimals (as in JSON), an empty
/// coverage where demand is 0.
pub fn cells(row: &Row) -> [String; 13] {
    [
        row.profession_id.to_string(),
        spreadsheet_text(&row.profession_code),
        spreadsheet_text(&row.profession_title),
        row.year.to_string(),
        two_decimals_text(row.demand),
        two_decimals_text(row.supply),
        two_decimals_text(row.gap),
        row.coverage.map(two_decimals_text).unwrap_or_default(),
        row.complete.to_string(),
        two_decimals_text(row.supply_low),
        two_decimals_text(row.supply_high),
        two_decimals_text(row.gap_low),
        two_decimals_text(row.gap_high),
    ]
}

/// The forecast rows as CSV (RFC 4180 quoting), header first.
pub fn rows_as_csv(rows: &[Row]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail; a failure would leave the text short, not wrong.
    let _ = writer.write_record(COLUMNS);
    for row in rows {
        let _ = writer.write_record(cells(row));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_looks_like_a_formula_is_shown_not_run() {
        assert_eq!(spreadsheet_text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(spreadsheet_text("-5"), "'-5");
        assert_eq!(spreadsheet_text("@cmd"), "'@cmd");
        assert_eq!(spreadsheet_text("15.01.32"), "15.01.32");
    }

    #[test]
    fn titles_with_commas_and_quotes_are_quoted() {
        let row = Row {
            profession_id: 1,
            profession_code: "15.01.32".into(),
            profession_title: "Оператор, \"станки\"".into(),
            year: 2029,
            demand: 20.0,
            supply: 9.3076,
            gap: 10.6924,
            coverage: Some(0.46538),
            complete: true,
            supply_low: 8.0,
            supply_high: 11.0,
            gap_low: 9.0,
            gap_high: 12.0,
            gap_before: None,
        };
        let csv = rows_as_csv(&[row]);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
        assert_eq!(
            lines.next(),
            Some(
                "1,15.01.32,\"Оператор, \"\"станки\"\"\",2029,20.00,9.31,10.69,0.47,true,8.00,11.00,9.00,12.00"
            )
        );
    }
}
