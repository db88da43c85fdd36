-- Netflix subscriptions, their partner outbox, promotions and charges.
-- Times are BIGINT microseconds since the epoch (UTC), money BIGINT ten-thousandths;
-- TEXT columns are COLLATE "C" so that order and comparison are bytewise, as in SQLite.
CREATE TABLE netflix_subscriptions (
    id                       TEXT COLLATE "C" PRIMARY KEY,
    organisation_id          TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    number                   TEXT COLLATE "C" NOT NULL,
    customer_id              TEXT COLLATE "C" NOT NULL,
    pai                      TEXT COLLATE "C",
    life_cycle_state         TEXT COLLATE "C" NOT NULL,
    partner_state            TEXT COLLATE "C" NOT NULL DEFAULT '',
    promotion_code           TEXT COLLATE "C" NOT NULL DEFAULT '',
    channel                  TEXT COLLATE "C" NOT NULL DEFAULT '',
    validity_seconds         BIGINT NOT NULL,
    customer                 TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    signup_token             TEXT COLLATE "C" NOT NULL DEFAULT '',
    signup_token_expires_at  BIGINT,
    signup_url               TEXT COLLATE "C" NOT NULL DEFAULT '',
    signup_delivered         BOOLEAN NOT NULL DEFAULT FALSE,
    last_sequence            BIGINT NOT NULL DEFAULT 0,
    confirmed_sequence       BIGINT NOT NULL DEFAULT 0,
    attention                BOOLEAN NOT NULL DEFAULT FALSE,
    attention_reason         TEXT COLLATE "C" NOT NULL DEFAULT '',
    activated_at             BIGINT,
    cancelled_at             BIGINT,
    created_at               BIGINT NOT NULL,
    updated_at               BIGINT NOT NULL,
    polled_at                BIGINT,
    UNIQUE (organisation_id, number),
    UNIQUE (organisation_id, pai)
);
-- One subscription per customer that is not cancelled.
CREATE UNIQUE INDEX netflix_subscriptions_live ON netflix_subscriptions (organisation_id, customer_id)
    WHERE life_cycle_state <> 'CANCELLED';
CREATE INDEX netflix_subscriptions_customer ON netflix_subscriptions (organisation_id, customer_id, created_at);
CREATE INDEX netflix_subscriptions_poll ON netflix_subscriptions (polled_at)
    WHERE pai IS NOT NULL AND partner_state <> 'TERMINATED';
CREATE INDEX netflix_subscriptions_attention ON netflix_subscriptions (organisation_id) WHERE attention;

CREATE TABLE netflix_redemptions (
    subscription_id  TEXT COLLATE "C" NOT NULL REFERENCES netflix_subscriptions(id),
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    position         BIGINT NOT NULL,
    code             TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    description      TEXT COLLATE "C" NOT NULL,
    effective_from   BIGINT NOT NULL,
    expires_on       BIGINT,
    redeemed_at      BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, position)
);

CREATE TABLE netflix_prices (
    subscription_id  TEXT COLLATE "C" NOT NULL REFERENCES netflix_subscriptions(id),
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    position         BIGINT NOT NULL,
    formatted_price  TEXT COLLATE "C" NOT NULL,
    amount           BIGINT NOT NULL,
    currency         TEXT COLLATE "C" NOT NULL,
    plan             TEXT COLLATE "C" NOT NULL,
    effective_date   BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, position)
);

-- The partner outbox: operations applied in sequence order per subscription.
CREATE TABLE netflix_operations (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    subscription_id  TEXT COLLATE "C" NOT NULL REFERENCES netflix_subscriptions(id),
    sequence         BIGINT NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL,
    operation_id     TEXT COLLATE "C" NOT NULL UNIQUE,
    charge_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
    status           TEXT COLLATE "C" NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (subscription_id, sequence)
);
CREATE INDEX netflix_operations_pending ON netflix_operations (created_at) WHERE status = 'PENDING';

CREATE TABLE netflix_promotions (
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    position         BIGINT NOT NULL,
    code             TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    description      TEXT COLLATE "C" NOT NULL,
    effective_from   BIGINT NOT NULL,
    expires_on       BIGINT,
    PRIMARY KEY (organisation_id, position)
);

-- Per organisation: when the promotions were synced, where the charges feed was read to.
CREATE TABLE netflix_partner_state (
    organisation_id       TEXT COLLATE "C" PRIMARY KEY REFERENCES organisations(id),
    promotions_synced_at  BIGINT,
    feed_cursor           TEXT COLLATE "C" NOT NULL DEFAULT '',
    feed_read_at          BIGINT
);

CREATE TABLE netflix_charges (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    organisation_id     TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    number              TEXT COLLATE "C" NOT NULL,
    ordinal             BIGINT NOT NULL,
    partner_charge_id   TEXT COLLATE "C" NOT NULL,
    feed_sequence       BIGINT NOT NULL,
    subscription_id     TEXT COLLATE "C",
    customer_id         TEXT COLLATE "C" NOT NULL,
    pai                 TEXT COLLATE "C" NOT NULL,
    amount              BIGINT NOT NULL,
    currency            TEXT COLLATE "C" NOT NULL,
    local_amount        BIGINT NOT NULL,
    local_currency      TEXT COLLATE "C" NOT NULL,
    period_start        BIGINT NOT NULL,
    paid_through_date   BIGINT NOT NULL,
    status              TEXT COLLATE "C" NOT NULL,
    received_on         BIGINT NOT NULL,
    processed_on        BIGINT,
    decision            TEXT COLLATE "C" NOT NULL DEFAULT '',
    decision_reference  TEXT COLLATE "C" NOT NULL DEFAULT '',
    decision_at         BIGINT,
    pending_ack_at      BIGINT,
    pending_ack_ref     TEXT COLLATE "C" NOT NULL DEFAULT '',
    processed_ack_at    BIGINT,
    processed_ack_ref   TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
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
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    reference        TEXT COLLATE "C" NOT NULL,
    charge_id        TEXT COLLATE "C" NOT NULL REFERENCES netflix_charges(id),
    purpose          TEXT COLLATE "C" NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, reference)
);
