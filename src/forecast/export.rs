//! The forecast's rows as files: CSV, with every field the JSON rows have.

use super::model::{Row, round2, two_decimals_text};

/// The CSV columns, in order.
pub const COLUMNS: [&str; 14] = [
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
    "demand_known",
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
pub fn cells(row: &Row) -> [String; 14] {
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
        row.demand_known.to_string(),
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

/// The forecast rows as a CSV file that Russian Excel opens as it is: a
/// byte-order mark (so it reads UTF-8), `;` between fields, decimal commas,
/// Russian titles, «да»/«нет» (for people downloading from a Russian page;
/// the API's CSV stays as above, for programs).
pub fn rows_as_csv_ru(rows: &[Row]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = writer.write_record(TITLES_RU);
    for row in rows {
        let record = cells(row)
            .into_iter()
            .enumerate()
            .map(|(i, cell)| match (i, cell.as_str()) {
                (_, "true") => "да".to_string(),
                (_, "false") => "нет".to_string(),
                // The people and the coverage: decimal commas.
                (4..=7 | 9..=12, text) => text.replace('.', ","),
                _ => cell,
            });
        let _ = writer.write_record(record);
    }
    let mut bytes = "\u{FEFF}".as_bytes().to_vec();
    bytes.extend(writer.into_inner().unwrap_or_default());
    bytes
}

/// The column titles of the XLSX file, in the order of [`COLUMNS`].
pub const TITLES_EN: [&str; 14] = [
    "Profession id",
    "Code",
    "Profession",
    "Year",
    "Demand",
    "Supply",
    "Gap",
    "Coverage",
    "Complete",
    "Supply, low",
    "Supply, high",
    "Gap, low",
    "Gap, high",
    "Demand known",
];

/// The same in Russian, for files downloaded from Russian pages.
pub const TITLES_RU: [&str; 14] = [
    "Код профессии (id)",
    "Код",
    "Профессия",
    "Год",
    "Потребность",
    "Выпуск",
    "Дефицит",
    "Покрытие",
    "Данные полные",
    "Выпуск, низкий",
    "Выпуск, высокий",
    "Дефицит, низкий",
    "Дефицит, высокий",
    "Потребность известна",
];

/// The forecast rows as an XLSX workbook: a bold title row that stays in
/// place when scrolling, a filter on every column, people with two decimals
/// (rounded as in JSON and CSV), coverage as a percentage. Text is written
/// as text, so nothing in it can run as a formula.
pub fn rows_as_xlsx(
    rows: &[Row],
    titles: &[&str; 14],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("forecast")?;
    let bold = Format::new().set_bold().set_text_wrap();
    let people = Format::new().set_num_format("#,##0.00");
    let percent = Format::new().set_num_format("0%");
    for (col, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, row.profession_id as f64)?;
        sheet.write_string(r, 1, &row.profession_code)?;
        sheet.write_string(r, 2, &row.profession_title)?;
        sheet.write_number(r, 3, f64::from(row.year))?;
        for (col, value) in [
            (4, row.demand),
            (5, row.supply),
            (6, row.gap),
            (9, row.supply_low),
            (10, row.supply_high),
            (11, row.gap_low),
            (12, row.gap_high),
        ] {
            sheet.write_number_with_format(r, col, round2(value), &people)?;
        }
        if let Some(coverage) = row.coverage {
            sheet.write_number_with_format(r, 7, round2(coverage), &percent)?;
        }
        sheet.write_boolean(r, 8, row.complete)?;
        sheet.write_boolean(r, 13, row.demand_known)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, 13)?;
    sheet.set_column_width(1, 11)?;
    sheet.set_column_width(2, 40)?;
    for col in 4..13 {
        sheet.set_column_width(col, 12)?;
    }
    workbook.save_to_buffer()
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
    fn the_russian_file_opens_in_russian_excel_as_it_is() {
        let row = Row {
            profession_id: 1,
            profession_code: "15.01.32".into(),
            profession_title: "Оператор; станки".into(),
            year: 2029,
            demand: 20.0,
            supply: 9.3076,
            gap: 10.6924,
            coverage: Some(0.46538),
            complete: true,
            demand_known: false,
            supply_low: 8.0,
            supply_high: 11.0,
            gap_low: 9.0,
            gap_high: 12.0,
            gap_before: None,
        };
        let bytes = rows_as_csv_ru(&[row]);
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte-order mark first");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("Код профессии (id);Код;Профессия;Год;Потребность;"));
        assert_eq!(
            lines[1],
            "1;15.01.32;\"Оператор; станки\";2029;20,00;9,31;10,69;0,47;да;8,00;11,00;9,00;12,00;нет"
        );
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
            demand_known: true,
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
                "1,15.01.32,\"Оператор, \"\"станки\"\"\",2029,20.00,9.31,10.69,0.47,true,8.00,11.00,9.00,12.00,true"
            )
        );
    }
}
