//! Pagination of lists: `?limit=` (default 50, at most 500) and `?offset=`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 500;

    /// Checks the raw query values; answers every bad one, named.
    pub fn parse(
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Self, Vec<crate::error::FieldError>> {
        let mut errors = Vec::new();
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            errors.push(crate::error::FieldError::new(
                "limit",
                format!("must be 1 to {}", Self::MAX_LIMIT),
            ));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            errors.push(crate::error::FieldError::new(
                "offset",
                "must not be negative",
            ));
        }
        if errors.is_empty() {
            Ok(Self { limit, offset })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            Page::parse(None, None),
            Ok(Page {
                limit: 50,
                offset: 0
            })
        );
        assert_eq!(
            Page::parse(Some(500), Some(10)),
            Ok(Page {
                limit: 500,
                offset: 10
            })
        );
        assert_eq!(Page::parse(Some(501), Some(-1)).unwrap_err().len(), 2);
        assert!(Page::parse(Some(0), None).is_err());
    }
}
