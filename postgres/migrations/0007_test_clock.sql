-- A test organisation's clock runs ahead of the server's by this many microseconds.
ALTER TABLE organisations ADD COLUMN clock_offset BIGINT NOT NULL DEFAULT 0;
