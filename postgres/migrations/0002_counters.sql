-- Business-number series per organisation (ACR…, UA…, …).
CREATE TABLE counters (
    organisation_id  TEXT NOT NULL REFERENCES organisations(id),
    name             TEXT NOT NULL,
    value            BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, name)
);
