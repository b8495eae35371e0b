-- The first answer to a create sent with an `Idempotency-Key`, kept 24 hours
-- so that a client's retry gets it again instead of a second record. The
-- row is written in the creating transaction; `fingerprint` is a digest of
-- the method, path and body, so the same key with another request is refused.
CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
