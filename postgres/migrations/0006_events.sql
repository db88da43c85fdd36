-- Events (the transactional outbox), webhook endpoints and deliveries.
-- data is TEXT, not JSONB, so that the bytes signed are the bytes stored,
-- key order included, as in SQLite.
CREATE TABLE events (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    sequence         BIGINT NOT NULL,
    type             TEXT COLLATE "C" NOT NULL,
    data             TEXT COLLATE "C" NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (organisation_id, sequence)
);
CREATE INDEX events_org_type ON events (organisation_id, type, sequence);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE webhook_endpoints (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    url              TEXT COLLATE "C" NOT NULL,
    secret           TEXT COLLATE "C" NOT NULL,
    -- '*' for every type, else the subscribed types, comma-separated and sorted.
    event_types      TEXT COLLATE "C" NOT NULL,
    enabled          BOOLEAN NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (organisation_id, created_at);

CREATE TABLE webhook_deliveries (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    event_id         TEXT COLLATE "C" NOT NULL REFERENCES events(id),
    endpoint_id      TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id),
    state            TEXT COLLATE "C" NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_status      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_attempt_at  BIGINT,
    delivered_at     BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, state);
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (organisation_id, created_at);
