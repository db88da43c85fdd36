-- Netflix subscriptions, their partner outbox, promotions and charges.
CREATE TABLE netflix_subscriptions (
    id                       TEXT PRIMARY KEY,
    organisation_id          TEXT NOT NULL REFERENCES organisations(id),
    number                   TEXT NOT NULL,
    customer_id              TEXT NOT NULL,
    pai                      TEXT,
    life_cycle_state         TEXT NOT NULL,
    partner_state            TEXT NOT NULL DEFAULT '',
    promotion_code           TEXT NOT NULL DEFAULT '',
    channel                  TEXT NOT NULL DEFAULT '',
    validity_seconds         INTEGER NOT NULL,
    customer                 TEXT NOT NULL DEFAULT '{}',
    signup_token             TEXT NOT NULL DEFAULT '',
    signup_token_expires_at  INTEGER,
    signup_url               TEXT NOT NULL DEFAULT '',
    signup_delivered         INTEGER NOT NULL DEFAULT 0,
    last_sequence            INTEGER NOT NULL DEFAULT 0,
    confirmed_sequence       INTEGER NOT NULL DEFAULT 0,
    attention                INTEGER NOT NULL DEFAULT 0,
    attention_reason         TEXT NOT NULL DEFAULT '',
    activated_at             INTEGER,
    cancelled_at             INTEGER,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    polled_at                INTEGER,
    UNIQUE (organisation_id, number),
    UNIQUE (organisation_id, pai)
);
-- One subscription per customer that is not cancelled.
CREATE UNIQUE INDEX netflix_subscriptions_live ON netflix_subscriptions (organisation_id, customer_id)
    WHERE life_cycle_state <> 'CANCELLED';
CREATE INDEX netflix_subscriptions_customer ON netflix_subscriptions (organisation_id, customer_id, created_at);
CREATE INDEX netflix_subscriptions_poll ON netflix_subscriptions (polled_at)
    WHERE pai IS NOT NULL AND partner_state <> 'TERMINATED';
CREATE INDEX netflix_subscriptions_attention ON netflix_subscriptions (organisation_id) WHERE attention = 1;

CREATE TABLE netflix_redemptions (
    subscription_id  TEXT NOT NULL REFERENCES netflix_subscriptions(id),
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    position         INTEGER NOT NULL,
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    effective_from   INTEGER NOT NULL,
    expires_on       INTEGER,
    redeemed_at      INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, position)
);

CREATE TABLE netflix_prices (
    subscription_id  TEXT NOT NULL REFERENCES netflix_subscriptions(id),
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    position         INTEGER NOT NULL,
    formatted_price  TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    plan             TEXT NOT NULL,
    effective_date   INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, position)
);

-- The partner outbox: operations applied in sequence order per subscription.
CREATE TABLE netflix_operations (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    subscription_id  TEXT NOT NULL REFERENCES netflix_subscriptions(id),
    sequence         INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    operation_id     TEXT NOT NULL UNIQUE,
    charge_id        TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (subscription_id, sequence)
);
CREATE INDEX netflix_operations_pending ON netflix_operations (created_at) WHERE status = 'PENDING';

CREATE TABLE netflix_promotions (
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    position         INTEGER NOT NULL,
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    effective_from   INTEGER NOT NULL,
    expires_on       INTEGER,
    PRIMARY KEY (organisation_id, position)
);

-- Per organisation: when the promotions were synced, where the charges feed was read to.
CREATE TABLE netflix_partner_state (
    organisation_id       TEXT PRIMARY KEY REFERENCES organisations(id),
    promotions_synced_at  INTEGER,
    feed_cursor           TEXT NOT NULL DEFAULT '',
    feed_read_at          INTEGER
);

CREATE TABLE netflix_charges (
    id                  TEXT PRIMARY KEY,
    organisation_id     TEXT NOT NULL REFERENCES organisations(id),
    number              TEXT NOT NULL,
    ordinal             INTEGER NOT NULL,
    partner_charge_id   TEXT NOT NULL,
    feed_sequence       INTEGER NOT NULL,
    subscription_id     TEXT,
    customer_id         TEXT NOT NULL,
    pai                 TEXT NOT NULL,
    amount              INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    local_amount        INTEGER NOT NULL,
    local_currency      TEXT NOT NULL,
    period_start        INTEGER NOT NULL,
    paid_through_date   INTEGER NOT NULL,
    status              TEXT NOT NULL,
    received_on         INTEGER NOT NULL,
    processed_on        INTEGER,
    decision            TEXT NOT NULL DEFAULT '',
    decision_reference  TEXT NOT NULL DEFAULT '',
    decision_at         INTEGER,
    pending_ack_at      INTEGER,
    pending_ack_ref     TEXT NOT NULL DEFAULT '',
    processed_ack_at    INTEGER,
    processed_ack_ref   TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    UNIQUE (organisation_id, number),
    UNIQUE (organisation_id, partner_charge_id)
);
-- What charges/list reads: each status group's unacknowledged charges in order.
CREATE INDEX netflix_charges_unacked_pending ON netflix_charges (organisation_id, ordinal)
    WHERE status = 'PENDING' AND pending_ack_at IS NULL;
CREATE INDEX netflix_charges_unacked_processed ON netflix_charges (organisation_id, ordinal)
    WHERE status <> 'PENDING' AND processed_ack_at IS NULL;

-- reference_number is unique per organisation across acknowledge, accept and decline.
CREATE TABLE netflix_references (
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    reference        TEXT NOT NULL,
    charge_id        TEXT NOT NULL REFERENCES netflix_charges(id),
    purpose          TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, reference)
);
