//! The largest request bodies kadry reads, from the settings, as app data
//! both faces look up.

/// The largest JSON body (or posted form), from `server.body_limit_bytes`.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The largest uploaded file (a roster CSV), from `server.import_limit_bytes`.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimit(pub usize);
