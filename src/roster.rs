//! A school's roster CSV: parsed and checked whole, then stored in one transaction, all rows or none.
//!
//! Format: the header `external_ref,grade,academic_year,consent,display_name,interests`,
//! then one pupil a row. `consent` is `true`/`false` (also `1`/`0`, `yes`/`no`);
//! `interests` is `P:<profession code>:<weight>` or `C:<cluster id>:<weight>` joined by `;`.
//! Rows whose `external_ref` the school already has update that pupil.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::pupil::{Interest, PupilFields, RawPupil};
use crate::error::FieldError;

pub const HEADER: [&str; 6] = [
    "external_ref",
    "grade",
    "academic_year",
    "consent",
    "display_name",
    "interests",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportSummary {
    /// Rows that added a pupil.
    pub created: usize,
    /// Rows that updated a pupil the school already had.
    pub updated: usize,
}

/// What interests may point at: profession codes and cluster ids.
pub struct InterestTargets {
    profession_ids: HashMap<String, i64>,
    /// By name (each is unique).
    cluster_ids: HashMap<String, i64>,
}

impl InterestTargets {
    /// Profession ids by code, cluster ids by name.
    pub fn new(profession_ids: HashMap<String, i64>, cluster_ids: HashMap<String, i64>) -> Self {
        Self {
            profession_ids,
            cluster_ids,
        }
    }

    /// A cluster named by its name, or (as older files do) by its id.
    fn cluster(&self, named: &str) -> Option<i64> {
        self.cluster_ids.get(named).copied().or_else(|| {
            named
                .parse::<i64>()
                .ok()
                .filter(|id| self.cluster_ids.values().any(|known| known == id))
        })
    }
}

/// One checked row and the line it came from.
#[derive(Debug)]
pub struct RosterRow {
    pub line: u64,
    pub pupil: PupilFields,
}

/// At most this many bad lines are listed; past them, only how many more.
pub const MAX_BAD_LINES: usize = 1000;

/// The errors of a file's bad lines: kept for the first `MAX_BAD_LINES`
/// lines, only counted after them, so that a file of bad lines cannot make
/// an answer (or the server's memory) grow with the file.
#[derive(Debug, Default)]
pub struct LineErrors {
    kept: Vec<FieldError>,
    lines: HashSet<u64>,
    last_dropped: Option<u64>,
    more: usize,
}

impl LineErrors {
    pub fn push(&mut self, error: FieldError) {
        let line = error.line.unwrap_or(0);
        if self.lines.contains(&line) || self.lines.len() < MAX_BAD_LINES {
            self.lines.insert(line);
            self.kept.push(error);
        } else if self.last_dropped != Some(line) {
            self.last_dropped = Some(line);
            self.more += 1;
        }
    }

    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        for error in errors {
            self.push(error);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Adds another collection's errors (kept ones within the cap, the
    /// rest counted).
    pub fn merge(&mut self, other: LineErrors) {
        self.more += other.more;
        self.extend(other.kept);
    }

    /// The kept errors by line, and a last one saying how many more lines were bad.
    pub fn into_errors(self) -> Vec<FieldError> {
        let mut errors = self.kept;
        errors.sort_by_key(|e| e.line);
        if self.more > 0 {
            errors.push(FieldError::new(
                "file",
                format!(
                    "{} more bad lines are not listed (the first {MAX_BAD_LINES} are)",
                    self.more
                ),
            ));
        }
        errors
    }
}

/// `errors` by line with at most `MAX_BAD_LINES` lines listed (and a last
/// error saying how many more there were).
pub fn capped(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    errors.sort_by_key(|e| e.line);
    let mut kept = LineErrors::default();
    kept.extend(errors);
    kept.into_errors()
}

/// Calls `visit` with each record of a CSV file with exactly `header` and
/// its line (the header is line 1), one record at a time, so that memory
/// does not grow with the file; rows that cannot be read are added to
/// `errors`. A byte-order mark is ignored.
fn each_record(
    csv: &[u8],
    header: &[&str],
    errors: &mut LineErrors,
    mut visit: impl FnMut(u64, &csv::StringRecord),
) -> Result<(), Vec<FieldError>> {
    let csv = csv.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv);
    let found: Vec<String> = match reader.headers() {
        Ok(found) => found.iter().map(|h| h.trim().to_string()).collect(),
        Err(error) => return Err(vec![FieldError::on_line(1, "header", csv_error(&error))]),
    };
    if found != header {
        return Err(vec![FieldError::on_line(
            1,
            "header",
            format!("must be exactly {}", header.join(",")),
        )]);
    }
    let mut record = csv::StringRecord::new();
    let mut index: u64 = 0;
    loop {
        let fallback_line = index + 2;
        index += 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(fallback_line, |p| p.line());
                visit(line, &record);
            }
            Err(error) => {
                let line = error.position().map_or(fallback_line, |p| p.line());
                let fatal = !matches!(
                    error.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                );
                errors.push(FieldError::on_line(line, "row", csv_error(&error)));
                if fatal {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Parses and checks a whole roster; every bad row is reported with its
/// line (the first `MAX_BAD_LINES` of them, and how many more).
pub fn parse(csv: &[u8], targets: &InterestTargets) -> Result<Vec<RosterRow>, Vec<FieldError>> {
    let mut rows = Vec::new();
    let mut errors = LineErrors::default();
    let mut lines_by_ref: HashMap<String, u64> = HashMap::new();
    let mut bad = LineErrors::default();
    each_record(csv, &HEADER, &mut errors, |line, record| {
        match parse_row(record, targets) {
            Ok(pupil) => {
                if let Some(first) = lines_by_ref.insert(pupil.external_ref.clone(), line) {
                    bad.push(FieldError::on_line(
                        line,
                        "external_ref",
                        format!("repeats line {first}"),
                    ));
                } else {
                    rows.push(RosterRow { line, pupil });
                }
            }
            Err(row_errors) => bad.extend(
                row_errors
                    .into_iter()
                    .map(|e| FieldError::on_line(line, e.field, e.message)),
            ),
        }
    })?;
    errors.merge(bad);
    if rows.is_empty() && errors.is_empty() {
        return Err(vec![FieldError::on_line(
            2,
            "row",
            "the file has no pupils",
        )]);
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors.into_errors())
    }
}

fn csv_error(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".into(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("has {len} fields, not {expected_len}")
        }
        _ => "cannot be read as CSV".into(),
    }
}

fn parse_row(
    record: &csv::StringRecord,
    targets: &InterestTargets,
) -> Result<PupilFields, Vec<FieldError>> {
    if record.len() != HEADER.len() {
        return Err(vec![FieldError::new(
            "row",
            format!("has {} fields, not {}", record.len(), HEADER.len()),
        )]);
    }
    let field = |i: usize| record.get(i).unwrap_or_default().trim();
    let mut errors = Vec::new();
    let mut whole = |name: &str, raw: &str| {
        raw.parse::<i32>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                name,
                format!("{raw:?} is not a whole number"),
            ));
            0
        })
    };
    let grade = whole("grade", field(1));
    let academic_year = whole("academic_year", field(2));
    let consent = match field(3).to_lowercase().as_str() {
        "true" | "1" | "yes" | "да" => true,
        "false" | "0" | "no" | "нет" => false,
        other => {
            errors.push(FieldError::new(
                "consent",
                format!("{other:?} is not true or false"),
            ));
            false
        }
    };
    let display_name = Some(field(4))
        .filter(|name| !name.is_empty())
        .map(str::to_string);
    let interests = parse_interests(field(5), targets).unwrap_or_else(|error| {
        errors.push(error);
        Vec::new()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    RawPupil {
        external_ref: field(0).to_string(),
        grade,
        academic_year,
        consent,
        display_name,
        interests,
    }
    .check()
}

fn parse_interests(raw: &str, targets: &InterestTargets) -> Result<Vec<Interest>, FieldError> {
    let invalid = |message: String| FieldError::new("interests", message);
    raw.split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            // The target (a cluster's name) may hold ':'; the kind and the weight do not.
            let (kind, rest) = item.split_once(':').unwrap_or((item, ""));
            let (target, weight) = rest.rsplit_once(':').unwrap_or((rest, ""));
            let (kind, target, weight) = (kind.trim(), target.trim(), weight.trim());
            if target.is_empty() || weight.is_empty() {
                return Err(invalid(format!(
                    "{item:?} is not P:<profession code>:<weight> or C:<cluster name>:<weight>"
                )));
            }
            let weight: f64 = weight
                .parse()
                .map_err(|_| invalid(format!("{item:?} has no numeric weight")))?;
            match kind {
                "P" | "p" => targets
                    .profession_ids
                    .get(target)
                    .map(|id| Interest {
                        profession_id: Some(*id),
                        cluster_id: None,
                        weight,
                    })
                    .ok_or_else(|| invalid(format!("no profession has the code {target:?}"))),
                "C" | "c" => targets
                    .cluster(target)
                    .map(|id| Interest {
                        profession_id: None,
                        cluster_id: Some(id),
                        weight,
                    })
                    .ok_or_else(|| invalid(format!("no cluster has the name {target:?}"))),
                _ => Err(invalid(format!("{item:?} must start with P: or C:"))),
            }
        })
        .collect()
}

/// The header of a younger-pupil counts CSV.
pub const YOUNGER_HEADER: [&str; 3] = ["academic_year", "grade", "pupils"];

/// One school's counts of grades 1 to 4, per academic year, as a file gives them.
pub type YoungerYears = std::collections::BTreeMap<i32, Vec<(i32, i32)>>;

/// One row of a younger-pupil counts file: `(line, academic_year, grade, pupils)`.
pub type YoungerRow = (u64, i32, i32, i32);

/// Parses a younger-pupil counts CSV (`academic_year,grade,pupils`, one row
/// per year and grade); every bad row is reported with its line. The values
/// are checked by the caller, line by line.
pub fn parse_younger(csv: &[u8]) -> Result<Vec<YoungerRow>, Vec<FieldError>> {
    Ok(parse_numbers(csv, &YOUNGER_HEADER)?
        .into_iter()
        .map(|(line, n)| (line, n[0] as i32, n[1] as i32, n[2] as i32))
        .collect())
}

/// Parses a CSV of whole numbers with exactly the columns of `header`: each
/// row's numbers with its line (a number beyond i32 is refused as such, so
/// callers may narrow); every bad row is reported with its line, and a file
/// without rows is refused.
pub fn parse_numbers(csv: &[u8], header: &[&str]) -> Result<Vec<(u64, Vec<i64>)>, Vec<FieldError>> {
    let (rows, errors) = parse_numbers_with_errors(csv, header)?;
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// `parse_numbers` that goes on past bad rows: the good rows and every bad
/// row's error, so that a caller can check the good ones too and report
/// everything at once. A bad header or an empty file is refused outright.
#[allow(clippy::type_complexity)]
pub fn parse_numbers_with_errors(
    csv: &[u8],
    header: &[&str],
) -> Result<(Vec<(u64, Vec<i64>)>, Vec<FieldError>), Vec<FieldError>> {
    let mut rows = Vec::new();
    let mut errors = LineErrors::default();
    let mut bad = LineErrors::default();
    each_record(csv, header, &mut errors, |line, record| {
        if record.len() != header.len() {
            bad.push(FieldError::on_line(
                line,
                "row",
                format!("has {} fields, not {}", record.len(), header.len()),
            ));
            return;
        }
        let mut numbers = Vec::with_capacity(header.len());
        let mut ok = true;
        for (i, name) in header.iter().enumerate() {
            let text = record.get(i).unwrap_or_default().trim();
            // Ids are 64-bit; every other column is a 32-bit count or year.
            let parsed = if name.ends_with("_id") {
                text.parse::<i64>().ok()
            } else {
                text.parse::<i32>().ok().map(i64::from)
            };
            match parsed {
                Some(number) => numbers.push(number),
                None => {
                    bad.push(FieldError::on_line(line, *name, "must be a whole number"));
                    ok = false;
                }
            }
        }
        if ok {
            rows.push((line, numbers));
        }
    })?;
    errors.merge(bad);
    let errors = errors.into_errors();
    if rows.is_empty() && errors.is_empty() {
        return Err(vec![FieldError::on_line(1, "file", "has no rows")]);
    }
    Ok((rows, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> InterestTargets {
        InterestTargets {
            profession_ids: HashMap::from([
                ("15.01.32".to_string(), 10),
                ("18.02.05".to_string(), 11),
            ]),
            cluster_ids: HashMap::from([
                ("Стекольный кластер".to_string(), 1),
                ("Машиностроение: станки".to_string(), 2),
            ]),
        }
    }

    const HEAD: &str = "external_ref,grade,academic_year,consent,display_name,interests\n";

    #[test]
    fn a_good_roster_parses_with_interests_resolved() {
        let csv = format!(
            "{HEAD}A1,7,2025,true,Иван Петров,P:15.01.32:2;C:1:1\nA2,9,2025,false,,\n\"A3\",11,2025,yes,\"Smith, Anna\",\n"
        );
        let rows = parse(csv.as_bytes(), &targets()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            rows[0].pupil.interests,
            vec![
                Interest {
                    profession_id: Some(10),
                    cluster_id: None,
                    weight: 2.0
                },
                Interest {
                    profession_id: None,
                    cluster_id: Some(1),
                    weight: 1.0
                },
            ]
        );
        assert!(!rows[1].pupil.consent && rows[1].pupil.display_name.is_none());
        assert_eq!(rows[2].pupil.display_name.as_deref(), Some("Smith, Anna"));
    }

    #[test]
    fn clusters_are_named_by_name_even_with_a_colon_and_still_by_id() {
        let csv = format!(
            "{HEAD}A1,7,2025,true,,C:Машиностроение: станки:3;C:Стекольный кластер:1\nA2,7,2025,true,,C:Нет такого:1\n"
        );
        let errors = parse(csv.as_bytes(), &targets()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, Some(3));
        assert!(
            errors[0].message.contains("no cluster has the name"),
            "{}",
            errors[0].message
        );
        let csv = format!("{HEAD}A1,7,2025,true,,C:Машиностроение: станки:3;C:1:2\n");
        let rows = parse(csv.as_bytes(), &targets()).unwrap();
        let clusters: Vec<(Option<i64>, f64)> = rows[0]
            .pupil
            .interests
            .iter()
            .map(|i| (i.cluster_id, i.weight))
            .collect();
        assert_eq!(clusters, vec![(Some(2), 3.0), (Some(1), 2.0)]);
    }

    #[test]
    fn every_bad_row_is_named_with_its_line() {
        let csv = format!(
            "{HEAD}A1,7,2025,true,,\nA2,4,2025,true,,\nA3,7,2025,maybe,,\nA4,7,2025,false,Name,\nA5,7,2025,true,,P:99.99.99:1\nA1,8,2025,true,,\nA6,7,2025,true,,C:7:1\nA7,7\n"
        );
        let errors = parse(csv.as_bytes(), &targets()).unwrap_err();
        let found: Vec<(u64, &str)> = errors
            .iter()
            .map(|e| (e.line.unwrap(), e.field.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (3, "grade"),
                (4, "consent"),
                (5, "display_name"),
                (6, "interests"),
                (7, "external_ref"),
                (8, "interests"),
                (9, "row")
            ]
        );
    }

    #[test]
    fn the_header_must_match() {
        let errors = parse(b"ref,grade\nA1,7\n", &targets()).unwrap_err();
        assert_eq!(errors[0].line, Some(1));
        assert_eq!(errors[0].field, "header");
        let errors = parse(HEAD.as_bytes(), &targets()).unwrap_err();
        assert_eq!(errors[0].message, "the file has no pupils");
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let csv = format!("\u{FEFF}{HEAD}A1,7,2025,true,,\n");
        assert_eq!(parse(csv.as_bytes(), &targets()).unwrap().len(), 1);
    }
}
