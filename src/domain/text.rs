//! Free text with bounds: names and titles, profession codes, new passwords.

use std::fmt;

/// A name or title: trimmed, not empty, at most `max` characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label(String);

impl Label {
    pub fn parse(raw: &str, max: usize) -> Result<Self, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        if text.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        if let Some((at, c)) = text.chars().enumerate().find(|(_, c)| invisible(*c)) {
            return Err(format!(
                "must not contain invisible characters (zero-width or text-direction marks): U+{:04X} at character {}",
                u32::from(c),
                at + 1
            ));
        }
        Ok(Self(text.to_string()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Characters that show nothing but change how text reads or compares:
/// zero-width spaces and joiners, text-direction marks, embeddings,
/// overrides and isolates, invisible operators, the byte-order mark, the
/// soft hyphen. Two references that look alike must be alike.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A profession's code, such as an ОКПДТР number (`15181`) or a specialty
/// code (`15.01.32`). Letters, digits, `.`, `-` and `_` only, because the
/// roster CSV writes interests as `P:<code>:<weight>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfessionCode(String);

impl ProfessionCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim();
        if code.is_empty() || code.len() > 32 {
            return Err("must be 1 to 32 characters".into());
        }
        if !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err("may hold only letters, digits, '.', '-' and '_'".into());
        }
        // A code opening with '-' (or '.') reads as a formula or a flag in
        // the spreadsheets and shells the forecast's CSV goes to.
        if !code.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("must start with a letter or a digit".into());
        }
        Ok(Self(code.to_string()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for ProfessionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password a user chooses: 10 to 128 characters.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let chars = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(format!(
                "must be {} to {} characters",
                Self::MIN_CHARS,
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_with_an_invisible_character_is_refused_and_says_which() {
        let error = Label::parse("8\u{200B}А-01", 64).unwrap_err();
        assert!(error.contains("U+200B at character 2"), "{error}");
        assert!(Label::parse("Иван\u{202E}", 64).is_err());
        assert!(Label::parse("\u{FEFF}Иван", 64).is_err());
        assert_eq!(
            Label::parse(" Иван Петров ", 64).unwrap().into_inner(),
            "Иван Петров"
        );
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(Label::parse("  Glass ", 10).unwrap().into_inner(), "Glass");
        assert!(Label::parse("   ", 10).is_err());
        assert!(Label::parse("Стекольный", 9).is_err());
        assert!(Label::parse("Стекольный", 10).is_ok());
        assert!(Label::parse("a\u{0}b", 10).is_err());
    }

    #[test]
    fn profession_codes_allow_specialty_and_okpdtr_forms() {
        assert!(ProfessionCode::parse("15.01.32").is_ok());
        assert!(ProfessionCode::parse("15181").is_ok());
        assert!(ProfessionCode::parse("P:1").is_err());
        assert!(ProfessionCode::parse("a;b").is_err());
        assert!(ProfessionCode::parse("").is_err());
    }

    #[test]
    fn passwords_are_bounded_in_characters_not_bytes() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("пароль-длинный").is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
    }
}

/// A vocational specialty code of the ФГОС СПО list: `UG.LL.NN`, e.g. `15.01.32`.
pub fn specialty_code(raw: &str) -> Result<String, String> {
    let code = raw.trim();
    let parts: Vec<&str> = code.split('.').collect();
    let well_formed = parts.len() == 3
        && parts
            .iter()
            .all(|part| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()));
    if well_formed {
        Ok(code.to_string())
    } else {
        Err("must be a specialty code like 15.01.32".into())
    }
}

#[cfg(test)]
mod specialty_tests {
    use super::specialty_code;

    #[test]
    fn specialty_codes_have_three_pairs_of_digits() {
        assert_eq!(specialty_code(" 15.01.32 ").unwrap(), "15.01.32");
        for bad in ["15.1.32", "15.01", "15.01.32.1", "AB.01.32", ""] {
            assert!(specialty_code(bad).is_err(), "{bad}");
        }
    }
}

/// An English noun with its indefinite article: "a school", "an enterprise".
pub fn a_or_an(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// `n` and an English noun in its number: "1 pupil", "2 pupils", "0 pupils".
pub fn count_en(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` and a Russian noun in the form its number takes: `one` for 1, 21,
/// 101…, `few` for 2-4, 22-24…, `many` for 0, 5-20, 25-30… ("1 ученик",
/// "3 ученика", "11 учеников").
pub fn count_ru(n: usize, one: &str, few: &str, many: &str) -> String {
    let word = match (n % 10, n % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    };
    format!("{n} {word}")
}

#[cfg(test)]
mod plural_tests {
    use super::{count_en, count_ru};

    #[test]
    fn counts_take_the_right_form_in_english_and_russian() {
        assert_eq!(count_en(1, "problem", "problems"), "1 problem");
        assert_eq!(count_en(0, "problem", "problems"), "0 problems");
        assert_eq!(count_en(2, "problem", "problems"), "2 problems");
        let forms = |n| count_ru(n, "ученик", "ученика", "учеников");
        assert_eq!(forms(1), "1 ученик");
        assert_eq!(forms(21), "21 ученик");
        assert_eq!(forms(101), "101 ученик");
        assert_eq!(forms(2), "2 ученика");
        assert_eq!(forms(24), "24 ученика");
        assert_eq!(forms(5), "5 учеников");
        assert_eq!(forms(11), "11 учеников");
        assert_eq!(forms(12), "12 учеников");
        assert_eq!(forms(14), "14 учеников");
        assert_eq!(forms(111), "111 учеников");
        assert_eq!(forms(0), "0 учеников");
    }
}
