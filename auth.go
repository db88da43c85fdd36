package crmapi

import (
	"time"
)

// Organisation is a tenant: an operator. Nothing of one organisation is
// ever visible to another. Name is what users type at login.
type Organisation struct {
	ID   string
	Name string
	// TimeZone is an IANA zone name; wire dates are written in it.
	TimeZone string
	// Test marks an organisation whose clock may be moved (never production).
	Test bool
	// ClockOffset is how far a test organisation's clock runs ahead of the
	// server's (its test clock); always 0 for production organisations.
	ClockOffset time.Duration
	CreatedAt   time.Time
}

// Now is the organisation's time: the clock's, moved by its test clock.
func (o Organisation) Now(c Clock) time.Time { return c.Now().Add(o.ClockOffset) }

// Location returns the organisation's time zone, UTC when unset or unknown.
func (o Organisation) Location() *time.Location {
	if o.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Unit groups users inside one organisation (the token's "oun").
type Unit struct {
	ID             string
	OrganisationID string
	Name           string
	CreatedAt      time.Time
}

// User is a person or program that logs in. Usernames are unique per
// organisation, compared case-insensitively.
type User struct {
	ID             string
	OrganisationID string
	// UnitID is the user's default unit, used when login names none.
	UnitID       string
	Username     string
	PasswordHash string
	Admin        bool
	Disabled     bool
	CreatedAt    time.Time
}

// WebAPIKey lets a machine client obtain tokens without a password. Only
// the SHA-256 of the key is stored; the key itself is shown once.
type WebAPIKey struct {
	ID             string
	OrganisationID string
	UnitID         string
	// UserID is the user the key acts as.
	UserID    string
	Name      string
	KeyHash   string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Session is one issued token (its jti). Released sessions stay refused
// until they would have expired anyway.
type Session struct {
	ID             string
	OrganisationID string
	UserID         string
	UnitID         string
	IssuedAt       time.Time
	ExpiresAt      time.Time
	ReleasedAt     *time.Time
}

// Caller is who is making a request, resolved from a valid token.
type Caller struct {
	Organisation Organisation
	Unit         Unit
	User         User
	SessionID    string
	ExpiresAt    time.Time
}

// MaxTokenLifetime is the longest a token may live, whatever the config says.
const MaxTokenLifetime = 2 * time.Hour

// AuthStore is what a transaction offers for organisations, units, users,
// API keys and sessions. Lookups return a NOT_FOUND Error when nothing
// matches; creates return CONFLICT when a unique name is taken.
type AuthStore interface {
	CreateOrganisation(o Organisation) error
	OrganisationByID(id string) (Organisation, error)
	OrganisationByName(name string) (Organisation, error)
	ListOrganisations() ([]Organisation, error)
	// SetOrganisationClockOffset moves a test organisation's clock.
	SetOrganisationClockOffset(orgID string, offset time.Duration) error

	CreateUnit(u Unit) error
	UnitByID(orgID, id string) (Unit, error)
	UnitByName(orgID, name string) (Unit, error)
	ListUnits(orgID string) ([]Unit, error)

	CreateUser(u User) error
	UserByID(orgID, id string) (User, error)
	// UserByUsername matches the username case-insensitively.
	UserByUsername(orgID, username string) (User, error)
	ListUsers(orgID string) ([]User, error)
	// UpdateUser stores PasswordHash, Admin, Disabled and UnitID of u.
	UpdateUser(u User) error

	CreateWebAPIKey(k WebAPIKey) error
	// WebAPIKeyByHash finds a key of any organisation by the hash of its secret.
	WebAPIKeyByHash(hash string) (WebAPIKey, error)
	ListWebAPIKeys(orgID string) ([]WebAPIKey, error)
	RevokeWebAPIKey(orgID, id string, at time.Time) error

	CreateSession(s Session) error
	// SessionCaller resolves a token in one read: the organisation by name,
	// its session by id, the session's user and unit.
	SessionCaller(orgName, sessionID string) (Caller, Session, error)
	SessionByID(orgID, id string) (Session, error)
	// ReleaseSession marks the session released; releasing twice is not an error.
	ReleaseSession(orgID, id string, at time.Time) error
	// DeleteSessionsExpiredBefore removes sessions that can no longer be used.
	DeleteSessionsExpiredBefore(t time.Time) (int64, error)
}
