//! One page of a long list: where it starts, how many in all, and the links
//! before and after that keep the list's filters.

use actix_web::HttpRequest;

/// Rows per page of the long lists (demand, events, the outbox).
pub const LIST_PAGE: i64 = 100;

/// One page of a long list: where it starts, how many there are in all,
/// and the links to the pages before and after (the other query values kept).
pub struct Pager {
    pub offset: i64,
    pub size: i64,
    pub total: i64,
    path: String,
    keep: Vec<(String, String)>,
}

impl Pager {
    /// The page a request asks for with `?offset=` (0 when absent or bad).
    pub fn of(req: &HttpRequest, size: i64) -> Self {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        let offset = pairs
            .iter()
            .find(|(k, _)| k == "offset")
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0);
        Self {
            offset,
            size,
            total: 0,
            path: req.path().to_string(),
            keep: pairs
                .into_iter()
                .filter(|(k, _)| k != "offset" && k != "lang")
                .collect(),
        }
    }

    pub fn page(&self) -> crate::domain::Page {
        crate::domain::Page {
            limit: self.size,
            offset: self.offset,
        }
    }

    fn link(&self, offset: i64) -> String {
        let mut pairs = self.keep.clone();
        pairs.push(("offset".into(), offset.to_string()));
        format!(
            "{}?{}",
            self.path,
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }

    pub fn previous(&self) -> Option<String> {
        (self.offset > 0).then(|| self.link((self.offset - self.size).max(0)))
    }

    pub fn next(&self) -> Option<String> {
        (self.offset + self.size < self.total).then(|| self.link(self.offset + self.size))
    }

    /// The first and last positions shown (1-based), for "51–100 of 756".
    pub fn shown(&self) -> (i64, i64) {
        if self.total == 0 {
            (0, 0)
        } else {
            (self.offset + 1, (self.offset + self.size).min(self.total))
        }
    }
}
