-- Every email is written here in the same transaction as the change that
-- causes it, and delivered by a worker that claims due rows with a lease.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Single-use set-password links; only a hash of the token is kept.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- The (profession, year) cells last found in shortage, so that each crossing
-- into or out of shortage is told exactly once.
CREATE TABLE shortages (
    profession_id BIGINT NOT NULL REFERENCES professions (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    PRIMARY KEY (profession_id, year)
);

-- One row: the lock that lets one process at a time compare the forecast with `shortages`.
CREATE TABLE shortage_checks (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TIMESTAMP
);
INSERT INTO shortage_checks (id, checked_at) VALUES (1, NULL);
