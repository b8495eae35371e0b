-- SQLite gives a deleted row's id to the next row unless the table says
-- AUTOINCREMENT; audit lines, kept answers and links name these tables'
-- ids, so a new record must never take an old one's. Each table is
-- rebuilt with AUTOINCREMENT (same columns, rows, indexes), with foreign
-- keys off so that dropping the old table touches no child row, in one
-- transaction of its own (metadata.toml: not in diesel's).
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE clusters_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    industry TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO clusters_new SELECT * FROM clusters;
DROP TABLE clusters;
ALTER TABLE clusters_new RENAME TO clusters;

CREATE TABLE professions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    cluster_id BIGINT NOT NULL REFERENCES clusters (id),
    created_at TIMESTAMP NOT NULL
);
INSERT INTO professions_new SELECT * FROM professions;
DROP TABLE professions;
ALTER TABLE professions_new RENAME TO professions;
CREATE INDEX professions_cluster_id ON professions (cluster_id);

CREATE TABLE organizations_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('school', 'college', 'university', 'enterprise')),
    name TEXT NOT NULL,
    town TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (kind, name)
);
INSERT INTO organizations_new SELECT * FROM organizations;
DROP TABLE organizations;
ALTER TABLE organizations_new RENAME TO organizations;

CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'school', 'college', 'enterprise')),
    organization_id BIGINT REFERENCES organizations (id),
    created_at TIMESTAMP NOT NULL
, disabled BOOLEAN NOT NULL DEFAULT FALSE, token_version INTEGER NOT NULL DEFAULT 0);
INSERT INTO users_new SELECT * FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE programs_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id BIGINT NOT NULL REFERENCES organizations (id),
    specialty_code TEXT NOT NULL,
    title TEXT NOT NULL,
    entry_grade INTEGER NOT NULL CHECK (entry_grade IN (9, 11)),
    duration_months INTEGER NOT NULL CHECK (duration_months BETWEEN 1 AND 72),
    completion_rate DOUBLE PRECISION CHECK (completion_rate >= 0 AND completion_rate <= 1),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO programs_new SELECT * FROM programs;
DROP TABLE programs;
ALTER TABLE programs_new RENAME TO programs;
CREATE INDEX programs_institution_id ON programs (institution_id);

CREATE TABLE pupils_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id BIGINT NOT NULL REFERENCES organizations (id),
    external_ref TEXT NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 5 AND 11),
    academic_year INTEGER NOT NULL,
    consent BOOLEAN NOT NULL,
    display_name TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (school_id, external_ref),
    CHECK (consent OR display_name IS NULL)
);
INSERT INTO pupils_new SELECT * FROM pupils;
DROP TABLE pupils;
ALTER TABLE pupils_new RENAME TO pupils;
CREATE INDEX pupils_school_grade ON pupils (school_id, grade);
CREATE INDEX pupils_grade_year ON pupils (grade, academic_year);

CREATE TABLE demand_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id BIGINT NOT NULL REFERENCES organizations (id),
    profession_id BIGINT NOT NULL REFERENCES professions (id),
    year INTEGER NOT NULL,
    headcount INTEGER NOT NULL CHECK (headcount BETWEEN 1 AND 100000),
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO demand_new SELECT * FROM demand;
DROP TABLE demand;
ALTER TABLE demand_new RENAME TO demand;
CREATE INDEX demand_profession_year ON demand (profession_id, year);
CREATE INDEX demand_enterprise_id ON demand (enterprise_id);

CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO outbox_new SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organizer_id BIGINT NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('excursion', 'open_day', 'trial_lesson', 'workshop')),
    starts_at TIMESTAMP NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    -- Kept with every registration so that "never past capacity" is one conditional UPDATE.
    registered INTEGER NOT NULL CHECK (registered >= 0 AND registered <= capacity),
    min_grade INTEGER NOT NULL CHECK (min_grade BETWEEN 5 AND 11),
    hours DOUBLE PRECISION NOT NULL CHECK (hours >= 0.5 AND hours <= 40),
    cancelled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO events_new SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_starts_at ON events (starts_at);

COMMIT;
PRAGMA foreign_keys = ON;
