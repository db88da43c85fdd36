-- Contacts, accounts receivable with their ledgers, subscriptions, the usage
-- catalogue, allowance settings, usage authorisations and usage records.
-- 0003 belongs to the Netflix work; migrations apply by number, so the gap
-- is harmless. Times are BIGINT microseconds since the epoch (UTC); money
-- and usage quantities are BIGINT ten-thousandths.
CREATE TABLE contacts (
    id                      TEXT COLLATE "C" PRIMARY KEY,
    organisation_id         TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    type                    TEXT COLLATE "C" NOT NULL CHECK (type IN ('PERSON', 'COMPANY')),
    first_name              TEXT COLLATE "C" NOT NULL,
    middle_name             TEXT COLLATE "C" NOT NULL,
    last_name               TEXT COLLATE "C" NOT NULL,
    title                   TEXT COLLATE "C" NOT NULL,
    company_name            TEXT COLLATE "C" NOT NULL,
    life_cycle_state        TEXT COLLATE "C" NOT NULL,
    gender                  TEXT COLLATE "C" NOT NULL,
    id_number               TEXT COLLATE "C" NOT NULL,
    passport_number         TEXT COLLATE "C" NOT NULL,
    social_security_number  TEXT COLLATE "C" NOT NULL,
    birth_year              INTEGER NOT NULL,
    birth_month             INTEGER NOT NULL,
    birth_day               INTEGER NOT NULL,
    name_day_month          INTEGER NOT NULL,
    name_day_day            INTEGER NOT NULL,
    created_at              BIGINT NOT NULL
);
CREATE INDEX contacts_org ON contacts (organisation_id, created_at);

CREATE TABLE accounts_receivable (
    id                TEXT COLLATE "C" PRIMARY KEY,
    organisation_id   TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    number            TEXT COLLATE "C" NOT NULL,
    name              TEXT COLLATE "C" NOT NULL,
    owner_id          TEXT COLLATE "C" NOT NULL REFERENCES contacts(id),
    currency          TEXT COLLATE "C" NOT NULL,
    balance           BIGINT NOT NULL DEFAULT 0,
    credit_limit      BIGINT NOT NULL CHECK (credit_limit >= 0),
    held              BIGINT NOT NULL DEFAULT 0 CHECK (held >= 0),
    life_cycle_state  TEXT COLLATE "C" NOT NULL CHECK (life_cycle_state IN ('ACTIVE', 'SUSPENDED', 'TERMINATED')),
    created_at        BIGINT NOT NULL,
    UNIQUE (organisation_id, number),
    UNIQUE (organisation_id, name)
);

CREATE TABLE ledger_entries (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    account_id       TEXT COLLATE "C" NOT NULL REFERENCES accounts_receivable(id),
    kind             TEXT COLLATE "C" NOT NULL CHECK (kind IN ('PAYMENT', 'CREDIT', 'USAGE')),
    amount           BIGINT NOT NULL,
    reference        TEXT COLLATE "C" NOT NULL,
    description      TEXT COLLATE "C" NOT NULL,
    action_id        TEXT COLLATE "C" NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, created_at);

CREATE TABLE subscriptions (
    id                TEXT COLLATE "C" PRIMARY KEY,
    organisation_id   TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    number            TEXT COLLATE "C" NOT NULL,
    account_id        TEXT COLLATE "C" NOT NULL REFERENCES accounts_receivable(id),
    kind              TEXT COLLATE "C" NOT NULL,
    life_cycle_state  TEXT COLLATE "C" NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (organisation_id, number)
);
CREATE INDEX subscriptions_account ON subscriptions (account_id);

CREATE TABLE subscription_actions (
    id                TEXT COLLATE "C" PRIMARY KEY,
    organisation_id   TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    number            TEXT COLLATE "C" NOT NULL,
    subscription_id   TEXT COLLATE "C" NOT NULL REFERENCES subscriptions(id),
    type              TEXT COLLATE "C" NOT NULL,
    life_cycle_state  TEXT COLLATE "C" NOT NULL,
    user_id           TEXT COLLATE "C" NOT NULL,
    executed_at       BIGINT NOT NULL,
    UNIQUE (organisation_id, number)
);

-- Alternative codes are NULL when not given, so that only given ones
-- must be unique.
CREATE TABLE udr_types (
    id                TEXT COLLATE "C" PRIMARY KEY,
    organisation_id   TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    name              TEXT COLLATE "C" NOT NULL,
    alternative_code  TEXT COLLATE "C",
    description       TEXT COLLATE "C" NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (organisation_id, name),
    UNIQUE (organisation_id, alternative_code)
);

CREATE TABLE product_types (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    organisation_id        TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    name                   TEXT COLLATE "C" NOT NULL,
    alternative_code       TEXT COLLATE "C",
    description            TEXT COLLATE "C" NOT NULL,
    service_type           TEXT COLLATE "C" NOT NULL,
    classification         TEXT COLLATE "C" NOT NULL,
    composition_method     TEXT COLLATE "C" NOT NULL,
    used_for_provisioning  BOOLEAN NOT NULL,
    udr_type_id            TEXT COLLATE "C" NOT NULL REFERENCES udr_types(id),
    created_at             BIGINT NOT NULL,
    UNIQUE (organisation_id, name),
    UNIQUE (organisation_id, alternative_code)
);

CREATE TABLE product_families (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    code             TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    description      TEXT COLLATE "C" NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (organisation_id, code)
);

CREATE TABLE usage_services (
    id                TEXT COLLATE "C" PRIMARY KEY,
    organisation_id   TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    code              TEXT COLLATE "C" NOT NULL,
    alternative_code  TEXT COLLATE "C",
    description       TEXT COLLATE "C" NOT NULL,
    product_type_id   TEXT COLLATE "C" NOT NULL REFERENCES product_types(id),
    family_id         TEXT COLLATE "C" REFERENCES product_families(id),
    unit_rate         BIGINT NOT NULL CHECK (unit_rate > 0),
    created_at        BIGINT NOT NULL,
    UNIQUE (organisation_id, code),
    UNIQUE (organisation_id, alternative_code)
);

CREATE TABLE usage_allowances (
    account_id             TEXT COLLATE "C" PRIMARY KEY REFERENCES accounts_receivable(id),
    organisation_id        TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    block_unlisted         BOOLEAN NOT NULL,
    over_limit_percentage  BIGINT NOT NULL,
    validity_seconds       BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);

-- target_kind/target_id: exactly one service, service type or family.
CREATE TABLE usage_allowance_limits (
    id                           TEXT COLLATE "C" PRIMARY KEY,
    organisation_id              TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    account_id                   TEXT COLLATE "C" NOT NULL REFERENCES usage_allowances(account_id),
    position                     INTEGER NOT NULL,
    target_kind                  TEXT COLLATE "C" NOT NULL CHECK (target_kind IN ('SERVICE', 'SERVICE_TYPE', 'SERVICE_FAMILY')),
    target_id                    TEXT COLLATE "C" NOT NULL,
    max_amount_per_transaction   BIGINT,
    max_amount_per_day           BIGINT,
    max_amount_per_cycle         BIGINT,
    max_usage_per_transaction    BIGINT,
    max_usage_per_day            BIGINT,
    max_usage_per_cycle          BIGINT
);
CREATE INDEX usage_allowance_limits_account ON usage_allowance_limits (account_id, position);

CREATE TABLE usage_authorisations (
    id                      TEXT COLLATE "C" PRIMARY KEY,
    organisation_id         TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    number                  TEXT COLLATE "C" NOT NULL,
    account_id              TEXT COLLATE "C" NOT NULL REFERENCES accounts_receivable(id),
    subscription_id         TEXT COLLATE "C" NOT NULL,
    amount                  BIGINT NOT NULL CHECK (amount > 0),
    life_cycle_state        TEXT COLLATE "C" NOT NULL CHECK (life_cycle_state IN ('BLOCKED', 'COMPLETED', 'CANCELLED', 'EXPIRED')),
    authorised_at           BIGINT NOT NULL,
    expires_at              BIGINT NOT NULL,
    completed_at            BIGINT,
    cancelled_at            BIGINT,
    expired_at              BIGINT,
    completed_by_action_id  TEXT COLLATE "C" NOT NULL,
    cancelled_by_user_id    TEXT COLLATE "C" NOT NULL,
    used_amount             BIGINT NOT NULL,
    UNIQUE (organisation_id, number)
);
CREATE INDEX usage_authorisations_account ON usage_authorisations (account_id, number);
CREATE INDEX usage_authorisations_due ON usage_authorisations (expires_at) WHERE life_cycle_state = 'BLOCKED';

CREATE TABLE usage_authorisation_services (
    id                TEXT COLLATE "C" PRIMARY KEY,
    authorisation_id  TEXT COLLATE "C" NOT NULL REFERENCES usage_authorisations(id),
    position          INTEGER NOT NULL,
    target_kind       TEXT COLLATE "C" NOT NULL CHECK (target_kind IN ('SERVICE', 'SERVICE_TYPE', 'SERVICE_FAMILY')),
    target_id         TEXT COLLATE "C" NOT NULL,
    maximum_amount    BIGINT NOT NULL,
    maximum_usage     BIGINT NOT NULL
);
CREATE INDEX usage_authorisation_services_auth ON usage_authorisation_services (authorisation_id, position);

CREATE TABLE usage_detail_records (
    id                TEXT COLLATE "C" PRIMARY KEY,
    organisation_id   TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    number            TEXT COLLATE "C" NOT NULL,
    account_id        TEXT COLLATE "C" NOT NULL REFERENCES accounts_receivable(id),
    subscription_id   TEXT COLLATE "C" NOT NULL REFERENCES subscriptions(id),
    service_id        TEXT COLLATE "C" NOT NULL REFERENCES usage_services(id),
    action_id         TEXT COLLATE "C" NOT NULL REFERENCES subscription_actions(id),
    authorisation_id  TEXT COLLATE "C" NOT NULL,
    usage             BIGINT NOT NULL CHECK (usage > 0),
    unit_rate         BIGINT NOT NULL,
    rated_amount      BIGINT NOT NULL,
    life_cycle_state  TEXT COLLATE "C" NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (organisation_id, number)
);
CREATE INDEX usage_detail_records_account ON usage_detail_records (account_id, created_at);
