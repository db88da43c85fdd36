-- Organisations, units, users, web API keys and sessions.
-- Times are BIGINT microseconds since the epoch (UTC). TEXT columns are
-- COLLATE "C" so that order and comparison are bytewise, as in SQLite.
CREATE TABLE organisations (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    time_zone   TEXT COLLATE "C" NOT NULL,
    test        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE units (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    name             TEXT COLLATE "C" NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (organisation_id, name)
);

CREATE TABLE users (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    unit_id          TEXT COLLATE "C" NOT NULL REFERENCES units(id),
    username         TEXT COLLATE "C" NOT NULL,
    username_key     TEXT COLLATE "C" NOT NULL,
    password_hash    TEXT COLLATE "C" NOT NULL,
    admin            BOOLEAN NOT NULL DEFAULT FALSE,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL,
    UNIQUE (organisation_id, username_key)
);

CREATE TABLE web_api_keys (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    unit_id          TEXT COLLATE "C" NOT NULL REFERENCES units(id),
    user_id          TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    name             TEXT COLLATE "C" NOT NULL,
    key_hash         TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at       BIGINT NOT NULL,
    revoked_at       BIGINT
);
CREATE INDEX web_api_keys_org ON web_api_keys (organisation_id);

CREATE TABLE sessions (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    user_id          TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    unit_id          TEXT COLLATE "C" NOT NULL REFERENCES units(id),
    issued_at        BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    released_at      BIGINT
);
CREATE INDEX sessions_expires ON sessions (expires_at);
