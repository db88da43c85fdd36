-- What the console reads: one customer's charges, newest first.
CREATE INDEX netflix_charges_customer ON netflix_charges (organisation_id, customer_id, ordinal);
