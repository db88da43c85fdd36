-- Idempotency-Keys: one row per organisation and key, with the stored answer.
CREATE TABLE idempotency_keys (
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    key              TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    applied          INTEGER NOT NULL DEFAULT 0,
    status           INTEGER NOT NULL DEFAULT 0,
    body             BLOB,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
