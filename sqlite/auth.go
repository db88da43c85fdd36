package sqlite

import (
	"database/sql"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

const orgColumns = `id, name, time_zone, test, clock_offset, created_at`

func scanOrganisation(s scanner) (crmapi.Organisation, error) {
	var o crmapi.Organisation
	var test int
	var created, offset int64
	err := s.Scan(&o.ID, &o.Name, &o.TimeZone, &test, &offset, &created)
	o.Test, o.CreatedAt, o.ClockOffset = test != 0, fromMicros(created), time.Duration(offset)*time.Microsecond
	return o, err
}

func (t *tx) CreateOrganisation(o crmapi.Organisation) error {
	_, err := t.exec(`INSERT INTO organisations (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.TimeZone, boolInt(o.Test), o.ClockOffset.Microseconds(), micros(o.CreatedAt))
	return translate(err, "Organisation")
}

func (t *tx) OrganisationByID(id string) (crmapi.Organisation, error) {
	o, err := scanOrganisation(t.queryRow(`SELECT `+orgColumns+` FROM organisations WHERE id = ?`, id))
	return o, translate(err, "Organisation")
}

func (t *tx) OrganisationByName(name string) (crmapi.Organisation, error) {
	o, err := scanOrganisation(t.queryRow(`SELECT `+orgColumns+` FROM organisations WHERE name = ?`, name))
	return o, translate(err, "Organisation")
}

func (t *tx) ListOrganisations() ([]crmapi.Organisation, error) {
	rows, err := t.query(`SELECT ` + orgColumns + ` FROM organisations ORDER BY name`)
	if err != nil {
		return nil, translate(err, "Organisation")
	}
	return collect(rows, scanOrganisation, "Organisation")
}

const unitColumns = `id, organisation_id, name, created_at`

func scanUnit(s scanner) (crmapi.Unit, error) {
	var u crmapi.Unit
	var created int64
	err := s.Scan(&u.ID, &u.OrganisationID, &u.Name, &created)
	u.CreatedAt = fromMicros(created)
	return u, err
}

func (t *tx) CreateUnit(u crmapi.Unit) error {
	_, err := t.exec(`INSERT INTO units (`+unitColumns+`) VALUES (?, ?, ?, ?)`,
		u.ID, u.OrganisationID, u.Name, micros(u.CreatedAt))
	return translate(err, "Unit")
}

func (t *tx) UnitByID(orgID, id string) (crmapi.Unit, error) {
	u, err := scanUnit(t.queryRow(`SELECT `+unitColumns+` FROM units WHERE organisation_id = ? AND id = ?`, orgID, id))
	return u, translate(err, "Unit")
}

func (t *tx) UnitByName(orgID, name string) (crmapi.Unit, error) {
	u, err := scanUnit(t.queryRow(`SELECT `+unitColumns+` FROM units WHERE organisation_id = ? AND name = ?`, orgID, name))
	return u, translate(err, "Unit")
}

func (t *tx) ListUnits(orgID string) ([]crmapi.Unit, error) {
	rows, err := t.query(`SELECT `+unitColumns+` FROM units WHERE organisation_id = ? ORDER BY name`, orgID)
	if err != nil {
		return nil, translate(err, "Unit")
	}
	return collect(rows, scanUnit, "Unit")
}

const userColumns = `id, organisation_id, unit_id, username, password_hash, admin, disabled, created_at`

func scanUser(s scanner) (crmapi.User, error) {
	var u crmapi.User
	var admin, disabled int
	var created int64
	err := s.Scan(&u.ID, &u.OrganisationID, &u.UnitID, &u.Username, &u.PasswordHash, &admin, &disabled, &created)
	u.Admin, u.Disabled, u.CreatedAt = admin != 0, disabled != 0, fromMicros(created)
	return u, err
}

func (t *tx) CreateUser(u crmapi.User) error {
	_, err := t.exec(`INSERT INTO users (`+userColumns+`, username_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OrganisationID, u.UnitID, u.Username, u.PasswordHash, boolInt(u.Admin), boolInt(u.Disabled),
		micros(u.CreatedAt), strings.ToLower(u.Username))
	return translate(err, "User")
}

func (t *tx) UserByID(orgID, id string) (crmapi.User, error) {
	u, err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE organisation_id = ? AND id = ?`, orgID, id))
	return u, translate(err, "User")
}

func (t *tx) UserByUsername(orgID, username string) (crmapi.User, error) {
	u, err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE organisation_id = ? AND username_key = ?`,
		orgID, strings.ToLower(username)))
	return u, translate(err, "User")
}

func (t *tx) ListUsers(orgID string) ([]crmapi.User, error) {
	rows, err := t.query(`SELECT `+userColumns+` FROM users WHERE organisation_id = ? ORDER BY username_key`, orgID)
	if err != nil {
		return nil, translate(err, "User")
	}
	return collect(rows, scanUser, "User")
}

func (t *tx) UpdateUser(u crmapi.User) error {
	res, err := t.exec(`UPDATE users SET password_hash = ?, admin = ?, disabled = ?, unit_id = ? WHERE organisation_id = ? AND id = ?`,
		u.PasswordHash, boolInt(u.Admin), boolInt(u.Disabled), u.UnitID, u.OrganisationID, u.ID)
	if err != nil {
		return translate(err, "User")
	}
	return mustAffect(res, "User")
}

const keyColumns = `id, organisation_id, unit_id, user_id, name, key_hash, created_at, revoked_at`

func scanKey(s scanner) (crmapi.WebAPIKey, error) {
	var k crmapi.WebAPIKey
	var created int64
	var revoked sql.NullInt64
	err := s.Scan(&k.ID, &k.OrganisationID, &k.UnitID, &k.UserID, &k.Name, &k.KeyHash, &created, &revoked)
	k.CreatedAt, k.RevokedAt = fromMicros(created), fromNullMicros(revoked)
	return k, err
}

func (t *tx) CreateWebAPIKey(k crmapi.WebAPIKey) error {
	_, err := t.exec(`INSERT INTO web_api_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.OrganisationID, k.UnitID, k.UserID, k.Name, k.KeyHash, micros(k.CreatedAt), nullMicros(k.RevokedAt))
	return translate(err, "Web API key")
}

func (t *tx) WebAPIKeyByHash(hash string) (crmapi.WebAPIKey, error) {
	k, err := scanKey(t.queryRow(`SELECT `+keyColumns+` FROM web_api_keys WHERE key_hash = ?`, hash))
	return k, translate(err, "Web API key")
}

func (t *tx) ListWebAPIKeys(orgID string) ([]crmapi.WebAPIKey, error) {
	rows, err := t.query(`SELECT `+keyColumns+` FROM web_api_keys WHERE organisation_id = ? ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, translate(err, "Web API key")
	}
	return collect(rows, scanKey, "Web API key")
}

func (t *tx) RevokeWebAPIKey(orgID, id string, at time.Time) error {
	res, err := t.exec(`UPDATE web_api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE organisation_id = ? AND id = ?`,
		micros(at), orgID, id)
	if err != nil {
		return translate(err, "Web API key")
	}
	return mustAffect(res, "Web API key")
}

const sessionColumns = `id, organisation_id, user_id, unit_id, issued_at, expires_at, released_at`

func scanSession(s scanner) (crmapi.Session, error) {
	var se crmapi.Session
	var issued, expires int64
	var released sql.NullInt64
	err := s.Scan(&se.ID, &se.OrganisationID, &se.UserID, &se.UnitID, &issued, &expires, &released)
	se.IssuedAt, se.ExpiresAt, se.ReleasedAt = fromMicros(issued), fromMicros(expires), fromNullMicros(released)
	return se, err
}

func (t *tx) CreateSession(s crmapi.Session) error {
	_, err := t.exec(`INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.OrganisationID, s.UserID, s.UnitID, micros(s.IssuedAt), micros(s.ExpiresAt), nullMicros(s.ReleasedAt))
	return translate(err, "Session")
}

func (t *tx) SessionByID(orgID, id string) (crmapi.Session, error) {
	s, err := scanSession(t.queryRow(`SELECT `+sessionColumns+` FROM sessions WHERE organisation_id = ? AND id = ?`, orgID, id))
	return s, translate(err, "Session")
}

func (t *tx) ReleaseSession(orgID, id string, at time.Time) error {
	res, err := t.exec(`UPDATE sessions SET released_at = coalesce(released_at, ?) WHERE organisation_id = ? AND id = ?`,
		micros(at), orgID, id)
	if err != nil {
		return translate(err, "Session")
	}
	return mustAffect(res, "Session")
}

func (t *tx) DeleteSessionsExpiredBefore(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM sessions WHERE expires_at < ?`, micros(before))
	if err != nil {
		return 0, translate(err, "Session")
	}
	return res.RowsAffected()
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error), what string) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, translate(err, what)
		}
		out = append(out, v)
	}
	return out, translate(rows.Err(), what)
}

// mustAffect turns "no row changed" into NOT_FOUND.
func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, what)
	}
	if n == 0 {
		return translate(sql.ErrNoRows, what)
	}
	return nil
}

func (t *tx) SessionCaller(orgName, sessionID string) (crmapi.Caller, crmapi.Session, error) {
	var c crmapi.Caller
	var s crmapi.Session
	var test, admin, disabled int
	var orgCreated, unitCreated, userCreated, issued, expires int64
	var released sql.NullInt64
	var offset int64
	err := t.queryRow(`SELECT o.id, o.name, o.time_zone, o.test, o.clock_offset, o.created_at,
			s.id, s.organisation_id, s.user_id, s.unit_id, s.issued_at, s.expires_at, s.released_at,
			u.id, u.organisation_id, u.unit_id, u.username, u.password_hash, u.admin, u.disabled, u.created_at,
			n.id, n.organisation_id, n.name, n.created_at
		FROM organisations o
		JOIN sessions s ON s.organisation_id = o.id AND s.id = ?
		JOIN users u ON u.organisation_id = o.id AND u.id = s.user_id
		JOIN units n ON n.organisation_id = o.id AND n.id = s.unit_id
		WHERE o.name = ?`, sessionID, orgName).Scan(
		&c.Organisation.ID, &c.Organisation.Name, &c.Organisation.TimeZone, &test, &offset, &orgCreated,
		&s.ID, &s.OrganisationID, &s.UserID, &s.UnitID, &issued, &expires, &released,
		&c.User.ID, &c.User.OrganisationID, &c.User.UnitID, &c.User.Username, &c.User.PasswordHash, &admin, &disabled, &userCreated,
		&c.Unit.ID, &c.Unit.OrganisationID, &c.Unit.Name, &unitCreated)
	if err != nil {
		return c, s, translate(err, "Session")
	}
	c.Organisation.Test, c.Organisation.CreatedAt = test != 0, fromMicros(orgCreated)
	c.Organisation.ClockOffset = time.Duration(offset) * time.Microsecond
	c.User.Admin, c.User.Disabled, c.User.CreatedAt = admin != 0, disabled != 0, fromMicros(userCreated)
	c.Unit.CreatedAt = fromMicros(unitCreated)
	s.IssuedAt, s.ExpiresAt, s.ReleasedAt = fromMicros(issued), fromMicros(expires), fromNullMicros(released)
	c.SessionID, c.ExpiresAt = s.ID, s.ExpiresAt
	return c, s, nil
}

func (t *tx) SetOrganisationClockOffset(orgID string, offset time.Duration) error {
	res, err := t.exec(`UPDATE organisations SET clock_offset = ? WHERE id = ? AND test = 1`, offset.Microseconds(), orgID)
	if err != nil {
		return translate(err, "Organisation")
	}
	return mustAffect(res, "Organisation")
}
