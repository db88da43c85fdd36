package sqlite

// AllocateNumber is NextNumber: with one writer the counter serialises
// nothing that is not serialised already.
func (t *tx) AllocateNumber(orgID, series string) (int64, error) { return t.NextNumber(orgID, series) }

func (t *tx) NextNumber(orgID, series string) (int64, error) {
	var n int64
	err := t.queryRow(`INSERT INTO counters (organisation_id, name, value) VALUES (?, ?, 1)
		ON CONFLICT (organisation_id, name) DO UPDATE SET value = value + 1 RETURNING value`, orgID, series).Scan(&n)
	return n, translate(err, "Counter")
}

func (t *tx) ReserveNumbers(orgID, series string, n int64) (int64, error) {
	var last int64
	err := t.queryRow(`INSERT INTO counters (organisation_id, name, value) VALUES (?, ?, ?)
		ON CONFLICT (organisation_id, name) DO UPDATE SET value = value + excluded.value RETURNING value`, orgID, series, n).Scan(&last)
	return last, translate(err, "Counter")
}
