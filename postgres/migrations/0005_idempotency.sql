-- Idempotency-Keys: one row per organisation and key, with the stored answer.
CREATE TABLE idempotency_keys (
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    key              TEXT COLLATE "C" NOT NULL,
    request_hash     TEXT COLLATE "C" NOT NULL,
    applied          BOOLEAN NOT NULL DEFAULT FALSE,
    status           INTEGER NOT NULL DEFAULT 0,
    body             BYTEA,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
