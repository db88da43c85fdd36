-- Contacts, accounts receivable with their ledgers, subscriptions, the usage
-- catalogue, allowance settings, usage authorisations and usage records.
-- 0003 belongs to the Netflix work; migrations apply by number, so the gap
-- is harmless. Times are INTEGER microseconds since the epoch (UTC); money
-- and usage quantities are INTEGER ten-thousandths.
CREATE TABLE contacts (
    id                      TEXT PRIMARY KEY,
    organisation_id         TEXT NOT NULL REFERENCES organisations(id),
    type                    TEXT NOT NULL CHECK (type IN ('PERSON', 'COMPANY')),
    first_name              TEXT NOT NULL,
    middle_name             TEXT NOT NULL,
    last_name               TEXT NOT NULL,
    title                   TEXT NOT NULL,
    company_name            TEXT NOT NULL,
    life_cycle_state        TEXT NOT NULL,
    gender                  TEXT NOT NULL,
    id_number               TEXT NOT NULL,
    passport_number         TEXT NOT NULL,
    social_security_number  TEXT NOT NULL,
    birth_year              INTEGER NOT NULL,
    birth_month             INTEGER NOT NULL,
    birth_day               INTEGER NOT NULL,
    name_day_month          INTEGER NOT NULL,
    name_day_day            INTEGER NOT NULL,
    created_at              INTEGER NOT NULL
);
CREATE INDEX contacts_org ON contacts (organisation_id, created_at);

CREATE TABLE accounts_receivable (
    id                TEXT PRIMARY KEY,
    organisation_id   TEXT NOT NULL REFERENCES organisations(id),
    number            TEXT NOT NULL,
    name              TEXT NOT NULL,
    owner_id          TEXT NOT NULL REFERENCES contacts(id),
    currency          TEXT NOT NULL,
    balance           INTEGER NOT NULL DEFAULT 0,
    credit_limit      INTEGER NOT NULL CHECK (credit_limit >= 0),
    held              INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
    life_cycle_state  TEXT NOT NULL CHECK (life_cycle_state IN ('ACTIVE', 'SUSPENDED', 'TERMINATED')),
    created_at        INTEGER NOT NULL,
    UNIQUE (organisation_id, number),
    UNIQUE (organisation_id, name)
);

CREATE TABLE ledger_entries (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    account_id       TEXT NOT NULL REFERENCES accounts_receivable(id),
    kind             TEXT NOT NULL CHECK (kind IN ('PAYMENT', 'CREDIT', 'USAGE')),
    amount           INTEGER NOT NULL,
    reference        TEXT NOT NULL,
    description      TEXT NOT NULL,
    action_id        TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, created_at);

CREATE TABLE subscriptions (
    id                TEXT PRIMARY KEY,
    organisation_id   TEXT NOT NULL REFERENCES organisations(id),
    number            TEXT NOT NULL,
    account_id        TEXT NOT NULL REFERENCES accounts_receivable(id),
    kind              TEXT NOT NULL,
    life_cycle_state  TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (organisation_id, number)
);
CREATE INDEX subscriptions_account ON subscriptions (account_id);

CREATE TABLE subscription_actions (
    id                TEXT PRIMARY KEY,
    organisation_id   TEXT NOT NULL REFERENCES organisations(id),
    number            TEXT NOT NULL,
    subscription_id   TEXT NOT NULL REFERENCES subscriptions(id),
    type              TEXT NOT NULL,
    life_cycle_state  TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    executed_at       INTEGER NOT NULL,
    UNIQUE (organisation_id, number)
);

-- Alternative codes are NULL when not given, so that only given ones
-- must be unique.
CREATE TABLE udr_types (
    id                TEXT PRIMARY KEY,
    organisation_id   TEXT NOT NULL REFERENCES organisations(id),
    name              TEXT NOT NULL,
    alternative_code  TEXT,
    description       TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (organisation_id, name),
    UNIQUE (organisation_id, alternative_code)
);

CREATE TABLE product_types (
    id                     TEXT PRIMARY KEY,
    organisation_id        TEXT NOT NULL REFERENCES organisations(id),
    name                   TEXT NOT NULL,
    alternative_code       TEXT,
    description            TEXT NOT NULL,
    service_type           TEXT NOT NULL,
    classification         TEXT NOT NULL,
    composition_method     TEXT NOT NULL,
    used_for_provisioning  INTEGER NOT NULL,
    udr_type_id            TEXT NOT NULL REFERENCES udr_types(id),
    created_at             INTEGER NOT NULL,
    UNIQUE (organisation_id, name),
    UNIQUE (organisation_id, alternative_code)
);

CREATE TABLE product_families (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (organisation_id, code)
);

CREATE TABLE usage_services (
    id                TEXT PRIMARY KEY,
    organisation_id   TEXT NOT NULL REFERENCES organisations(id),
    code              TEXT NOT NULL,
    alternative_code  TEXT,
    description       TEXT NOT NULL,
    product_type_id   TEXT NOT NULL REFERENCES product_types(id),
    family_id         TEXT REFERENCES product_families(id),
    unit_rate         INTEGER NOT NULL CHECK (unit_rate > 0),
    created_at        INTEGER NOT NULL,
    UNIQUE (organisation_id, code),
    UNIQUE (organisation_id, alternative_code)
);

CREATE TABLE usage_allowances (
    account_id             TEXT PRIMARY KEY REFERENCES accounts_receivable(id),
    organisation_id        TEXT NOT NULL REFERENCES organisations(id),
    block_unlisted         INTEGER NOT NULL,
    over_limit_percentage  INTEGER NOT NULL,
    validity_seconds       INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);

-- target_kind/target_id: exactly one service, service type or family.
CREATE TABLE usage_allowance_limits (
    id                           TEXT PRIMARY KEY,
    organisation_id              TEXT NOT NULL REFERENCES organisations(id),
    account_id                   TEXT NOT NULL REFERENCES usage_allowances(account_id),
    position                     INTEGER NOT NULL,
    target_kind                  TEXT NOT NULL CHECK (target_kind IN ('SERVICE', 'SERVICE_TYPE', 'SERVICE_FAMILY')),
    target_id                    TEXT NOT NULL,
    max_amount_per_transaction   INTEGER,
    max_amount_per_day           INTEGER,
    max_amount_per_cycle         INTEGER,
    max_usage_per_transaction    INTEGER,
    max_usage_per_day            INTEGER,
    max_usage_per_cycle          INTEGER
);
CREATE INDEX usage_allowance_limits_account ON usage_allowance_limits (account_id, position);

CREATE TABLE usage_authorisations (
    id                      TEXT PRIMARY KEY,
    organisation_id         TEXT NOT NULL REFERENCES organisations(id),
    number                  TEXT NOT NULL,
    account_id              TEXT NOT NULL REFERENCES accounts_receivable(id),
    subscription_id         TEXT NOT NULL,
    amount                  INTEGER NOT NULL CHECK (amount > 0),
    life_cycle_state        TEXT NOT NULL CHECK (life_cycle_state IN ('BLOCKED', 'COMPLETED', 'CANCELLED', 'EXPIRED')),
    authorised_at           INTEGER NOT NULL,
    expires_at              INTEGER NOT NULL,
    completed_at            INTEGER,
    cancelled_at            INTEGER,
    expired_at              INTEGER,
    completed_by_action_id  TEXT NOT NULL,
    cancelled_by_user_id    TEXT NOT NULL,
    used_amount             INTEGER NOT NULL,
    UNIQUE (organisation_id, number)
);
CREATE INDEX usage_authorisations_account ON usage_authorisations (account_id, number);
CREATE INDEX usage_authorisations_due ON usage_authorisations (expires_at) WHERE life_cycle_state = 'BLOCKED';

CREATE TABLE usage_authorisation_services (
    id                TEXT PRIMARY KEY,
    authorisation_id  TEXT NOT NULL REFERENCES usage_authorisations(id),
    position          INTEGER NOT NULL,
    target_kind       TEXT NOT NULL CHECK (target_kind IN ('SERVICE', 'SERVICE_TYPE', 'SERVICE_FAMILY')),
    target_id         TEXT NOT NULL,
    maximum_amount    INTEGER NOT NULL,
    maximum_usage     INTEGER NOT NULL
);
CREATE INDEX usage_authorisation_services_auth ON usage_authorisation_services (authorisation_id, position);

CREATE TABLE usage_detail_records (
    id                TEXT PRIMARY KEY,
    organisation_id   TEXT NOT NULL REFERENCES organisations(id),
    number            TEXT NOT NULL,
    account_id        TEXT NOT NULL REFERENCES accounts_receivable(id),
    subscription_id   TEXT NOT NULL REFERENCES subscriptions(id),
    service_id        TEXT NOT NULL REFERENCES usage_services(id),
    action_id         TEXT NOT NULL REFERENCES subscription_actions(id),
    authorisation_id  TEXT NOT NULL,
    usage             INTEGER NOT NULL CHECK (usage > 0),
    unit_rate         INTEGER NOT NULL,
    rated_amount      INTEGER NOT NULL,
    life_cycle_state  TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (organisation_id, number)
);
CREATE INDEX usage_detail_records_account ON usage_detail_records (account_id, created_at);
