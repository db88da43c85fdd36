package postgres

func (t *tx) NextNumber(orgID, series string) (int64, error) {
	var n int64
	err := t.queryRow(`INSERT INTO counters (organisation_id, name, value) VALUES ($1, $2, 1)
		ON CONFLICT (organisation_id, name) DO UPDATE SET value = counters.value + 1 RETURNING value`, orgID, series).Scan(&n)
	return n, translate(err, "Counter")
}

func (t *tx) ReserveNumbers(orgID, series string, n int64) (int64, error) {
	var last int64
	err := t.queryRow(`INSERT INTO counters (organisation_id, name, value) VALUES ($1, $2, $3)
		ON CONFLICT (organisation_id, name) DO UPDATE SET value = counters.value + excluded.value RETURNING value`, orgID, series, n).Scan(&last)
	return last, translate(err, "Counter")
}
