-- Organisations, units, users, web API keys and sessions.
CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    time_zone   TEXT NOT NULL,
    test        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

CREATE TABLE units (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    name             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (organisation_id, name)
);

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    unit_id          TEXT NOT NULL REFERENCES units(id),
    username         TEXT NOT NULL,
    username_key     TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    admin            INTEGER NOT NULL DEFAULT 0,
    disabled         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    UNIQUE (organisation_id, username_key)
);

CREATE TABLE web_api_keys (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    unit_id          TEXT NOT NULL REFERENCES units(id),
    user_id          TEXT NOT NULL REFERENCES users(id),
    name             TEXT NOT NULL,
    key_hash         TEXT NOT NULL UNIQUE,
    created_at       INTEGER NOT NULL,
    revoked_at       INTEGER
);
CREATE INDEX web_api_keys_org ON web_api_keys (organisation_id);

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    user_id          TEXT NOT NULL REFERENCES users(id),
    unit_id          TEXT NOT NULL REFERENCES units(id),
    issued_at        INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    released_at      INTEGER
);
CREATE INDEX sessions_expires ON sessions (expires_at);
