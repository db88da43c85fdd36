-- Business-number series per organisation (ACR…, UA…, …).
CREATE TABLE counters (
    organisation_id  TEXT COLLATE "C" NOT NULL REFERENCES organisations(id),
    name             TEXT COLLATE "C" NOT NULL,
    value            BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, name)
);
