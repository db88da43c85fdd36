-- Indexes the hot paths need, found by EXPLAIN on a seeded database
-- (docs/performance.md). Numbered 0009 because another branch claims 0008;
-- the migrator applies every missing version, whatever the order.

-- An account's subscriptions in number order: with only (account_id) the
-- planner walked the organisation's whole (organisation_id, number) index
-- to avoid a sort, once per authorisation.
CREATE INDEX subscriptions_account_number ON subscriptions (account_id, number);
DROP INDEX subscriptions_account;

-- An account's BLOCKED authorisations past their expiry, looked up by every
-- create before it holds money: without it each create read all of the
-- account's authorisations.
CREATE INDEX usage_authorisations_account_due ON usage_authorisations (account_id, expires_at) WHERE life_cycle_state = 'BLOCKED';

-- Partner polling takes the least recently polled live subscriptions: an
-- index in that order lets it read the few it takes instead of sorting
-- every subscription each run.
CREATE INDEX netflix_subscriptions_poll_order ON netflix_subscriptions ((coalesce(polled_at, 0)), id)
    WHERE pai IS NOT NULL AND partner_state <> 'TERMINATED';
DROP INDEX netflix_subscriptions_poll;
