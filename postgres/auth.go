package postgres

import (
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/jackc/pgx/v5"
)

const orgColumns = `id, name, time_zone, test, clock_offset, created_at`

func scanOrganisation(s scanner) (crmapi.Organisation, error) {
	var o crmapi.Organisation
	var created, offset int64
	err := s.Scan(&o.ID, &o.Name, &o.TimeZone, &o.Test, &offset, &created)
	o.CreatedAt, o.ClockOffset = fromMicros(created), time.Duration(offset)*time.Microsecond
	return o, err
}

func (t *tx) CreateOrganisation(o crmapi.Organisation) error {
	return t.insert("Organisation", `INSERT INTO organisations (`+orgColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		o.ID, o.Name, o.TimeZone, o.Test, o.ClockOffset.Microseconds(), micros(o.CreatedAt))
}

func (t *tx) OrganisationByID(id string) (crmapi.Organisation, error) {
	o, err := scanOrganisation(t.queryRow(`SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id))
	return o, translate(err, "Organisation")
}

func (t *tx) OrganisationByName(name string) (crmapi.Organisation, error) {
	o, err := scanOrganisation(t.queryRow(`SELECT `+orgColumns+` FROM organisations WHERE name = $1`, name))
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
	return t.insert("Unit", `INSERT INTO units (`+unitColumns+`) VALUES ($1, $2, $3, $4)`,
		u.ID, u.OrganisationID, u.Name, micros(u.CreatedAt))
}

func (t *tx) UnitByID(orgID, id string) (crmapi.Unit, error) {
	u, err := scanUnit(t.queryRow(`SELECT `+unitColumns+` FROM units WHERE organisation_id = $1 AND id = $2`, orgID, id))
	return u, translate(err, "Unit")
}

func (t *tx) UnitByName(orgID, name string) (crmapi.Unit, error) {
	u, err := scanUnit(t.queryRow(`SELECT `+unitColumns+` FROM units WHERE organisation_id = $1 AND name = $2`, orgID, name))
	return u, translate(err, "Unit")
}

func (t *tx) ListUnits(orgID string) ([]crmapi.Unit, error) {
	rows, err := t.query(`SELECT `+unitColumns+` FROM units WHERE organisation_id = $1 ORDER BY name`, orgID)
	if err != nil {
		return nil, translate(err, "Unit")
	}
	return collect(rows, scanUnit, "Unit")
}

const userColumns = `id, organisation_id, unit_id, username, password_hash, admin, disabled, created_at`

func scanUser(s scanner) (crmapi.User, error) {
	var u crmapi.User
	var created int64
	err := s.Scan(&u.ID, &u.OrganisationID, &u.UnitID, &u.Username, &u.PasswordHash, &u.Admin, &u.Disabled, &created)
	u.CreatedAt = fromMicros(created)
	return u, err
}

// CreateUser keys the username by Go's strings.ToLower, as the sqlite
// engine does, so both fold case identically whatever the server's locale.
func (t *tx) CreateUser(u crmapi.User) error {
	return t.insert("User", `INSERT INTO users (`+userColumns+`, username_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.OrganisationID, u.UnitID, u.Username, u.PasswordHash, u.Admin, u.Disabled,
		micros(u.CreatedAt), strings.ToLower(u.Username))
}

func (t *tx) UserByID(orgID, id string) (crmapi.User, error) {
	u, err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE organisation_id = $1 AND id = $2`, orgID, id))
	return u, translate(err, "User")
}

func (t *tx) UserByUsername(orgID, username string) (crmapi.User, error) {
	u, err := scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE organisation_id = $1 AND username_key = $2`,
		orgID, strings.ToLower(username)))
	return u, translate(err, "User")
}

func (t *tx) ListUsers(orgID string) ([]crmapi.User, error) {
	rows, err := t.query(`SELECT `+userColumns+` FROM users WHERE organisation_id = $1 ORDER BY username_key`, orgID)
	if err != nil {
		return nil, translate(err, "User")
	}
	return collect(rows, scanUser, "User")
}

func (t *tx) UpdateUser(u crmapi.User) error {
	tag, err := t.exec(`UPDATE users SET password_hash = $1, admin = $2, disabled = $3, unit_id = $4 WHERE organisation_id = $5 AND id = $6`,
		u.PasswordHash, u.Admin, u.Disabled, u.UnitID, u.OrganisationID, u.ID)
	if err != nil {
		return translate(err, "User")
	}
	return mustAffect(tag, "User")
}

const keyColumns = `id, organisation_id, unit_id, user_id, name, key_hash, created_at, revoked_at`

func scanKey(s scanner) (crmapi.WebAPIKey, error) {
	var k crmapi.WebAPIKey
	var created int64
	var revoked *int64
	err := s.Scan(&k.ID, &k.OrganisationID, &k.UnitID, &k.UserID, &k.Name, &k.KeyHash, &created, &revoked)
	k.CreatedAt, k.RevokedAt = fromMicros(created), fromNullMicros(revoked)
	return k, err
}

func (t *tx) CreateWebAPIKey(k crmapi.WebAPIKey) error {
	return t.insert("Web API key", `INSERT INTO web_api_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.ID, k.OrganisationID, k.UnitID, k.UserID, k.Name, k.KeyHash, micros(k.CreatedAt), nullMicros(k.RevokedAt))
}

func (t *tx) WebAPIKeyByHash(hash string) (crmapi.WebAPIKey, error) {
	k, err := scanKey(t.queryRow(`SELECT `+keyColumns+` FROM web_api_keys WHERE key_hash = $1`, hash))
	return k, translate(err, "Web API key")
}

func (t *tx) ListWebAPIKeys(orgID string) ([]crmapi.WebAPIKey, error) {
	rows, err := t.query(`SELECT `+keyColumns+` FROM web_api_keys WHERE organisation_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, translate(err, "Web API key")
	}
	return collect(rows, scanKey, "Web API key")
}

func (t *tx) RevokeWebAPIKey(orgID, id string, at time.Time) error {
	tag, err := t.exec(`UPDATE web_api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE organisation_id = $2 AND id = $3`,
		micros(at), orgID, id)
	if err != nil {
		return translate(err, "Web API key")
	}
	return mustAffect(tag, "Web API key")
}

const sessionColumns = `id, organisation_id, user_id, unit_id, issued_at, expires_at, released_at`

func scanSession(s scanner) (crmapi.Session, error) {
	var se crmapi.Session
	var issued, expires int64
	var released *int64
	err := s.Scan(&se.ID, &se.OrganisationID, &se.UserID, &se.UnitID, &issued, &expires, &released)
	se.IssuedAt, se.ExpiresAt, se.ReleasedAt = fromMicros(issued), fromMicros(expires), fromNullMicros(released)
	return se, err
}

func (t *tx) CreateSession(s crmapi.Session) error {
	return t.insert("Session", `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.ID, s.OrganisationID, s.UserID, s.UnitID, micros(s.IssuedAt), micros(s.ExpiresAt), nullMicros(s.ReleasedAt))
}

func (t *tx) SessionByID(orgID, id string) (crmapi.Session, error) {
	s, err := scanSession(t.queryRow(`SELECT `+sessionColumns+` FROM sessions WHERE organisation_id = $1 AND id = $2`, orgID, id))
	return s, translate(err, "Session")
}

func (t *tx) ReleaseSession(orgID, id string, at time.Time) error {
	tag, err := t.exec(`UPDATE sessions SET released_at = coalesce(released_at, $1) WHERE organisation_id = $2 AND id = $3`,
		micros(at), orgID, id)
	if err != nil {
		return translate(err, "Session")
	}
	return mustAffect(tag, "Session")
}

func (t *tx) DeleteSessionsExpiredBefore(before time.Time) (int64, error) {
	tag, err := t.exec(`DELETE FROM sessions WHERE expires_at < $1`, micros(before))
	if err != nil {
		return 0, translate(err, "Session")
	}
	return tag.RowsAffected(), nil
}

func (t *tx) SessionCaller(orgName, sessionID string) (crmapi.Caller, crmapi.Session, error) {
	var c crmapi.Caller
	var s crmapi.Session
	var orgCreated, unitCreated, userCreated, issued, expires int64
	var released *int64
	var offset int64
	err := t.queryRow(`SELECT o.id, o.name, o.time_zone, o.test, o.clock_offset, o.created_at,
			s.id, s.organisation_id, s.user_id, s.unit_id, s.issued_at, s.expires_at, s.released_at,
			u.id, u.organisation_id, u.unit_id, u.username, u.password_hash, u.admin, u.disabled, u.created_at,
			n.id, n.organisation_id, n.name, n.created_at
		FROM organisations o
		JOIN sessions s ON s.organisation_id = o.id AND s.id = $1
		JOIN users u ON u.organisation_id = o.id AND u.id = s.user_id
		JOIN units n ON n.organisation_id = o.id AND n.id = s.unit_id
		WHERE o.name = $2`, sessionID, orgName).Scan(
		&c.Organisation.ID, &c.Organisation.Name, &c.Organisation.TimeZone, &c.Organisation.Test, &offset, &orgCreated,
		&s.ID, &s.OrganisationID, &s.UserID, &s.UnitID, &issued, &expires, &released,
		&c.User.ID, &c.User.OrganisationID, &c.User.UnitID, &c.User.Username, &c.User.PasswordHash, &c.User.Admin, &c.User.Disabled, &userCreated,
		&c.Unit.ID, &c.Unit.OrganisationID, &c.Unit.Name, &unitCreated)
	if err != nil {
		return c, s, translate(err, "Session")
	}
	c.Organisation.CreatedAt = fromMicros(orgCreated)
	c.Organisation.ClockOffset = time.Duration(offset) * time.Microsecond
	c.User.CreatedAt = fromMicros(userCreated)
	c.Unit.CreatedAt = fromMicros(unitCreated)
	s.IssuedAt, s.ExpiresAt = fromMicros(issued), fromMicros(expires)
	if released != nil {
		r := fromMicros(*released)
		s.ReleasedAt = &r
	}
	c.SessionID, c.ExpiresAt = s.ID, s.ExpiresAt
	return c, s, nil
}

func (t *tx) SetOrganisationClockOffset(orgID string, offset time.Duration) error {
	tag, err := t.exec(`UPDATE organisations SET clock_offset = $1 WHERE id = $2 AND test`, offset.Microseconds(), orgID)
	if err != nil {
		return translate(err, "Organisation")
	}
	if tag.RowsAffected() == 0 {
		return translate(pgx.ErrNoRows, "Organisation")
	}
	return nil
}
