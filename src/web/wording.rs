//! What the application layer says of bad input, said to a person in the
//! page's language: its messages (English, for programs) in Russian on a
//! Russian page, and a field's path (`intakes[2].seats`) as the field's
//! name ("строка 3: мест"). A message with no Russian wording here is not
//! shown in English: the page says the value does not fit.

use crate::domain::Language;

/// English message patterns (`{}` is any text) and their Russian wording,
/// the most specific first.
const MESSAGES: &[(&str, &str)] = &[
    ("required", "обязательное поле"),
    ("must be a number", "должно быть числом"),
    ("must not be empty", "не может быть пустым"),
    (
        "must not contain control characters",
        "не может содержать управляющих символов",
    ),
    (
        "must not contain invisible characters",
        "не может содержать невидимых символов",
    ),
    (
        "must start with a letter or a digit",
        "должно начинаться с буквы или цифры",
    ),
    (
        "may hold only letters, digits, '.', '-' and '_'",
        "может содержать только буквы, цифры, «.», «-» и «_»",
    ),
    ("must be at most {} characters", "не длиннее {} символов"),
    ("must be 1 to {} characters", "от 1 до {} символов"),
    ("must be 1 to {} months", "от 1 до {} месяцев"),
    ("must be 1 to {} seats", "от 1 до {} мест"),
    ("must be 1 to {} years, not {}", "от 1 до {} лет, а не {}"),
    ("must be a grade from {} to {}", "класс от {} до {}"),
    ("must be a year from {} to {}", "год от {} до {}"),
    ("must be from {} to {}", "от {} до {}"),
    ("must be above 0 and at most {}", "больше 0 и не больше {}"),
    ("must be 0 to seats", "от 0 до числа мест"),
    ("must be {} to {}", "от {} до {}"),
    ("must be {} or {}", "{} или {}"),
    ("must be one of {}", "одно из: {}"),
    ("must be exactly {}", "ровно {}"),
    ("must be a positive id", "должно быть положительным номером"),
    (
        "must be a specialty code like {}",
        "код специальности, например {}",
    ),
    ("must not be negative", "не может быть отрицательным"),
    ("must not exceed seats", "не больше числа мест"),
    ("must not exceed graduates", "не больше числа выпускников"),
    (
        "must not exceed employed_in_profession",
        "не больше числа работающих по профессии",
    ),
    ("must not be before from", "не раньше начального года"),
    (
        "must be at most {} years after from",
        "не позже чем через {} лет после начального года",
    ),
    (
        "must be after as_of ({}): seats of the past cannot change",
        "позже года прогноза ({}): места прошлых лет не меняются",
    ),
    (
        "must be before as_of ({}): nothing after it is known yet",
        "раньше года прогноза ({}): о последующих годах ещё ничего не известно",
    ),
    ("must be before as_of ({})", "раньше года прогноза ({})"),
    (
        "must be at most {} years before as_of ({})",
        "не раньше чем за {} лет до года прогноза ({})",
    ),
    (
        "must not be after last_origin ({})",
        "не позже последнего года проверки ({})",
    ),
    (
        "must be at least the {} graduates whose destinations are recorded for the year",
        "не меньше {} — стольких выпускников года уже распределено",
    ),
    (
        "must name at least one program, or be left out for every program",
        "укажите хотя бы одну программу или не указывайте ни одной (тогда все)",
    ),
    (
        "low {} is above high {}",
        "нижняя граница {} выше верхней {}",
    ),
    (
        "shares must add up to 1, not {}",
        "доли должны давать в сумме 1, а не {}",
    ),
    (
        "this program and year are set twice",
        "эта программа и год указаны дважды",
    ),
    (
        "this program is limited twice",
        "для этой программы ограничение указано дважды",
    ),
    ("is listed twice", "указано дважды"),
    (
        "profession {} is listed twice",
        "профессия {} указана дважды",
    ),
    ("cluster {} is listed twice", "кластер {} указан дважды"),
    (
        "grade {} of {} is given twice",
        "{} класс {} года указан дважды",
    ),
    ("no profession has the id {}", "нет профессии с номером {}"),
    ("no profession has the code {}", "нет профессии с кодом {}"),
    ("no cluster has the id {}", "нет кластера с номером {}"),
    ("no cluster has the name {}", "нет кластера с названием {}"),
    (
        "{} is not P:<profession code>:<weight> or C:<cluster name>:<weight>",
        "{} — не P:<код профессии>:<вес> и не C:<название кластера>:<вес>",
    ),
    ("no program has the id {}", "нет программы с номером {}"),
    (
        "no program you may write has the id {}",
        "нет вашей программы с номером {}",
    ),
    (
        "no organization has the id {}",
        "нет организации с номером {}",
    ),
    ("no school has the id {}", "нет школы с номером {}"),
    (
        "refers to a record that does not exist",
        "ссылается на несуществующую запись",
    ),
    ("is {}, not {}", "организация другого вида"),
    (
        "{} user cannot belong to {}",
        "пользователь этой роли не может быть в организации этого вида",
    ),
    ("{} named {} already exists", "с таким названием уже есть"),
    ("is required for the role {}", "обязательно для этой роли"),
    (
        "must be absent for the role {}",
        "не указывается для этой роли",
    ),
    (
        "the pupil has no parental consent",
        "нет согласия родителей",
    ),
    ("the pupil's grade is below {}", "ученик младше {} класса"),
    ("the event is full", "мест на событие больше нет"),
    ("the event is cancelled", "событие отменено"),
    ("the event is already cancelled", "событие уже отменено"),
    ("the pupil is already registered", "ученик уже записан"),
    (
        "a record with the same unique value already exists",
        "такая запись уже есть",
    ),
    ("a cluster named {} already exists", "кластер {} уже есть"),
    (
        "demand record {} already has this enterprise, profession and year: change it {}",
        "у предприятия уже есть запись № {} по этой профессии на этот год: измените её",
    ),
    (
        "a profession with the code {} already exists",
        "профессия с кодом {} уже есть",
    ),
    (
        "a user with the email {} already exists",
        "пользователь с адресом {} уже есть",
    ),
    (
        "the school already has a pupil with the external_ref {}",
        "в школе уже есть ученик с номером {}",
    ),
    ("has {} fields, not {}", "в строке {} полей, а нужно {}"),
    ("repeats line {}", "повторяет строку {}"),
    ("{} is not a whole number", "{} — не целое число"),
    ("{} is not true or false", "{} — не true и не false"),
    ("{} has no numeric weight", "у {} нет числового веса"),
    (
        "{} must start with P: or C:",
        "{} должно начинаться с P: (профессия) или C: (кластер)",
    ),
    ("at most {} interests", "не больше {} интересов"),
    ("at most {} pupils at once", "не больше {} учеников за раз"),
    (
        "choose at least one pupil",
        "выберите хотя бы одного ученика",
    ),
];

/// The forecast's parameters by their API names, in Russian and English,
/// as every page names them.
const PARAMETERS: &[(&str, &str, &str)] = &[
    (
        "after_grade_9_share",
        "доля поступающих после 9 класса (p9)",
        "share entering after grade 9 (p9)",
    ),
    (
        "continue_to_grade_10_share",
        "доля перешедших в 10 класс (s10)",
        "share going on to grade 10 (s10)",
    ),
    (
        "after_grade_11_share",
        "доля поступающих после 11 класса (p11)",
        "share entering after grade 11 (p11)",
    ),
    (
        "annual_dropout_rate",
        "отсев за год обучения (a)",
        "annual dropout (a)",
    ),
    (
        "retention_rate",
        "закрепление выпускников (r)",
        "graduate retention (r)",
    ),
    (
        "targeted_retention_rate",
        "закрепление целевиков (rt)",
        "targeted retention (rt)",
    ),
];

/// A parameter's name as pages say it, if `name` is one.
pub fn parameter(name: &str, lang: Language) -> Option<&'static str> {
    PARAMETERS
        .iter()
        .find(|(key, _, _)| *key == name)
        .map(|(_, ru, en)| lang.tr(ru, en))
}

/// Field names (the last named part of a path) in Russian; the
/// parameters' are in `PARAMETERS`.
const FIELDS: &[(&str, &str)] = &[
    ("seats", "мест"),
    ("targeted_seats", "целевых мест"),
    ("enrolled", "зачислено"),
    ("targeted_enrolled", "зачислено на целевые"),
    ("graduates", "выпускников"),
    ("targeted_graduates", "целевых выпускников"),
    ("employed_in_profession", "работают по профессии"),
    (
        "employed_in_profession_targeted",
        "целевые, работают по профессии",
    ),
    ("unknown", "неизвестно"),
    ("year", "год"),
    ("academic_year", "учебный год"),
    ("from", "с года"),
    ("to", "по год"),
    ("as_of", "год прогноза"),
    ("window", "окно, лет"),
    ("first_origin", "первый год проверки"),
    ("last_origin", "последний год проверки"),
    ("budget", "всего мест"),
    ("step", "шаг"),
    ("max_seats", "не больше мест"),
    ("program_id", "программа"),
    ("program_ids", "программы"),
    ("profession_id", "профессия"),
    ("profession_ids", "профессии"),
    ("cluster_id", "кластер"),
    ("cluster_ids", "кластеры"),
    ("share", "доля"),
    ("professions", "профессии"),
    ("headcount", "человек"),
    ("enterprise_id", "предприятие"),
    ("organizer_id", "организатор"),
    ("institution_id", "учебное заведение"),
    ("school_id", "школа"),
    ("organization_id", "организация"),
    ("title", "название"),
    ("name", "название"),
    ("code", "код"),
    ("specialty_code", "код специальности"),
    ("entry_grade", "после класса"),
    ("duration_months", "срок, месяцев"),
    ("completion_rate", "доля окончивших"),
    ("kind", "вид"),
    ("town", "город"),
    ("email", "почта"),
    ("role", "роль"),
    ("password", "пароль"),
    ("starts_at", "начало"),
    ("capacity", "мест"),
    ("min_grade", "с класса"),
    ("hours", "часов"),
    ("pupil_id", "ученик"),
    ("pupil_ids", "ученики"),
    ("external_ref", "номер ученика в школе"),
    ("grade", "класс"),
    ("pupils", "учеников"),
    ("consent", "согласие родителей"),
    ("display_name", "имя"),
    ("interests", "интересы"),
    ("weight", "вес"),
    ("codes", "коды билетов"),
    ("file", "файл"),
    ("row", "строка"),
    ("body", "запрос"),
    ("limit", "сколько показать"),
    ("offset", "с какой записи"),
    ("low", "нижняя граница"),
    ("high", "верхняя граница"),
    ("bounds", "границы"),
    ("parameters", "параметры"),
    ("intakes", "приём"),
    ("limits", "ограничения"),
    ("graduation", "выпуск"),
    ("graduation_year", "год выпуска"),
    ("destination", "куда ушли выпускники"),
    ("employed_other", "работают не по профессии"),
    ("continued_study", "продолжили учёбу"),
    ("military_service", "служат в армии"),
    ("left_region", "уехали из области"),
    ("start_year", "год набора"),
    ("students", "студентов"),
    ("grades", "классы"),
    ("note", "примечание"),
    ("confirm", "подтверждение"),
    ("disabled", "отключён"),
    ("all_shown", "все показанные"),
    ("aggregate", "статистическая группа"),
    ("status", "состояние"),
    ("q", "поиск"),
    ("next", "куда вернуться"),
    ("etag", "версия записи"),
    ("csrf", "ключ формы"),
    ("programs", "программы"),
    ("sort", "сортировка"),
    ("mine", "мои профессии"),
];

/// `text` matched against `pattern`: the texts in its holes, in order.
fn holes<'t>(pattern: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let mut rest = text.strip_prefix(parts[0])?;
    let mut found = Vec::new();
    for (i, literal) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        let end = if last && literal.is_empty() {
            rest.len()
        } else if last {
            rest.strip_suffix(literal).map(str::len)?
        } else {
            rest.find(literal)?
        };
        found.push(&rest[..end]);
        rest = &rest[end + literal.len()..];
    }
    (parts.len() > 1 || rest.is_empty()).then_some(found)
}

/// `{}` holes of `wording` filled in order.
fn fill(wording: &str, values: &[&str]) -> String {
    let mut out = wording.to_string();
    for value in values {
        match out.find("{}") {
            Some(at) => out.replace_range(at..at + 2, value),
            None => break,
        }
    }
    out
}

fn has_cyrillic(text: &str) -> bool {
    text.chars().any(|c| ('\u{400}'..='\u{4FF}').contains(&c))
}

/// A message of the application layer as the page says it.
pub fn message(text: &str, lang: Language) -> String {
    if lang == Language::En || has_cyrillic(text) {
        return text.to_string();
    }
    MESSAGES
        .iter()
        .find_map(|(pattern, wording)| holes(pattern, text).map(|values| fill(wording, &values)))
        .unwrap_or_else(|| "значение не подходит".to_string())
}

/// A field's path as the page names it: `intakes[2].seats` is "приём,
/// строка 3: мест"; "" stays "" (the form as a whole).
pub fn field(path: &str, lang: Language) -> String {
    if lang == Language::En || path.is_empty() {
        return path.to_string();
    }
    let mut named = Vec::new();
    for segment in path.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let russian = parameter(name, Language::Ru)
            .or_else(|| {
                FIELDS
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, ru)| *ru)
            })
            .unwrap_or("поле")
            .to_string();
        named.push(match index {
            Some(i) => format!("{russian}, строка {}", i + 1),
            None => russian,
        });
    }
    // The last two parts say enough: "параметры: доля ... (p9)".
    let keep = named.len().saturating_sub(2);
    named[keep..].join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_said_in_russian_with_their_values() {
        let ru = |text| message(text, Language::Ru);
        assert_eq!(ru("must be 1 to 10000"), "от 1 до 10000");
        assert_eq!(ru("must be 1 to 100000 seats"), "от 1 до 100000 мест");
        assert_eq!(
            ru("must be at most 300 characters"),
            "не длиннее 300 символов"
        );
        assert_eq!(
            ru("no profession has the id 12"),
            "нет профессии с номером 12"
        );
        assert_eq!(
            ru("must be after as_of (2026): seats of the past cannot change"),
            "позже года прогноза (2026): места прошлых лет не меняются"
        );
        assert_eq!(
            ru("low 0.5 is above high 0.4"),
            "нижняя граница 0.5 выше верхней 0.4"
        );
        assert_eq!(ru("is a school, not a college"), "организация другого вида");
        assert_eq!(
            ru("an analyst user cannot belong to a school"),
            "пользователь этой роли не может быть в организации этого вида"
        );
        assert_eq!(ru("уже по-русски"), "уже по-русски");
        assert_eq!(ru("something nobody wrote down"), "значение не подходит");
        assert_eq!(
            message("must be 1 to 10000", Language::En),
            "must be 1 to 10000"
        );
    }

    #[test]
    fn every_russian_wording_has_no_english_words_but_its_values() {
        for (pattern, wording) in MESSAGES {
            let filled = fill(wording, &["1", "2"]);
            let latin = filled
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1 && *w != "true" && *w != "false")
                .collect::<Vec<_>>();
            assert!(latin.is_empty(), "{pattern}: {filled} ({latin:?})");
        }
    }

    /// Every field a page's form names has a Russian name.
    #[test]
    fn every_field_of_every_form_has_a_russian_name() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in ["name=\"", "m::field(state, \"", "state.error(\""] {
                for piece in text.split(marker).skip(1) {
                    let name = &piece[..piece.find('"').unwrap_or(0)];
                    if name.is_empty() || name.contains('{') || name == "viewport" {
                        continue;
                    }
                    for part in name.split('.') {
                        let part = part.split('[').next().unwrap();
                        assert!(
                            FIELDS.iter().any(|(key, _)| *key == part)
                                || parameter(part, Language::Ru).is_some(),
                            "{}: the field {name:?} has no Russian name",
                            path.display()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn field_paths_are_named_in_russian() {
        let ru = |path| field(path, Language::Ru);
        assert_eq!(
            ru("parameters.after_grade_9_share"),
            "параметры: доля поступающих после 9 класса (p9)"
        );
        assert_eq!(ru("intakes[2].seats"), "приём, строка 3: мест");
        assert_eq!(
            ru("bounds.annual_dropout_rate.low"),
            "отсев за год обучения (a): нижняя граница"
        );
        assert_eq!(ru("seats"), "мест");
        assert_eq!(ru(""), "");
        assert_eq!(field("intakes[2].seats", Language::En), "intakes[2].seats");
    }
}
