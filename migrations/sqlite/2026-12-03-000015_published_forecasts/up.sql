-- Forecasts a region decided on, kept exactly as they were computed.
CREATE TABLE published_forecasts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    as_of INTEGER NOT NULL,
    from_year INTEGER NOT NULL,
    to_year INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    generation BIGINT NOT NULL,
    answer TEXT NOT NULL
);
