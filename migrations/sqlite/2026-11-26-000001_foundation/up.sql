-- The catalogue (clusters, professions, organizations), users and the login throttle.
CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    industry TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE professions (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    cluster_id BIGINT NOT NULL REFERENCES clusters (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX professions_cluster_id ON professions (cluster_id);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('school', 'college', 'university', 'enterprise')),
    name TEXT NOT NULL,
    town TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (kind, name)
);

CREATE TABLE organization_clusters (
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    cluster_id BIGINT NOT NULL REFERENCES clusters (id),
    PRIMARY KEY (organization_id, cluster_id)
);
CREATE INDEX organization_clusters_cluster_id ON organization_clusters (cluster_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'school', 'college', 'enterprise')),
    organization_id BIGINT REFERENCES organizations (id),
    created_at TIMESTAMP NOT NULL
);

-- Failed sign-ins per email, kept in the database so that every kadry process sees them.
CREATE TABLE login_throttle (
    email TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_failure_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
