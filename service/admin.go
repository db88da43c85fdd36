package service

import (
	"context"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

// The admin methods below act inside one organisation. The HTTP layer lets
// only admin users call them; the crmapid subcommands call them directly.

// Bootstrap is what a new installation starts with.
type Bootstrap struct {
	Organisation string
	TimeZone     string
	Unit         string
	Username     string
	// Password is generated when empty and returned in BootstrapResult.
	Password string
	Test     bool
}

// BootstrapResult tells what Bootstrap created.
type BootstrapResult struct {
	Organisation crmapi.Organisation
	Unit         crmapi.Unit
	User         crmapi.User
	Password     string
}

// Bootstrap creates an organisation with a unit and an admin user.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, CONFLICT.
func (s *AuthService) Bootstrap(ctx context.Context, b Bootstrap) (BootstrapResult, error) {
	if b.Organisation == "" {
		return BootstrapResult{}, crmapi.Missing("organisation")
	}
	if b.Unit == "" {
		b.Unit = "Head Office"
	}
	if b.Username == "" {
		b.Username = "admin"
	}
	if b.TimeZone == "" {
		b.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(b.TimeZone); err != nil {
		return BootstrapResult{}, crmapi.Invalid("time_zone", "unknown time zone "+b.TimeZone)
	}
	if b.Password == "" {
		b.Password = crmapi.RandomToken(12)
	}
	if err := validatePassword(b.Password); err != nil {
		return BootstrapResult{}, crmapi.Invalid("password", err.Error())
	}
	hash, err := HashPassword(b.Password)
	if err != nil {
		return BootstrapResult{}, err
	}
	now := s.clock.Now()
	r := BootstrapResult{Password: b.Password}
	r.Organisation = crmapi.Organisation{ID: crmapi.NewID(), Name: b.Organisation, TimeZone: b.TimeZone, Test: b.Test, CreatedAt: now}
	r.Unit = crmapi.Unit{ID: crmapi.NewID(), OrganisationID: r.Organisation.ID, Name: b.Unit, CreatedAt: now}
	r.User = crmapi.User{ID: crmapi.NewID(), OrganisationID: r.Organisation.ID, UnitID: r.Unit.ID, Username: b.Username,
		PasswordHash: hash, Admin: true, CreatedAt: now}
	err = s.store.Update(ctx, func(tx crmapi.Tx) error {
		if err := tx.CreateOrganisation(r.Organisation); err != nil {
			return err
		}
		if err := tx.CreateUnit(r.Unit); err != nil {
			return err
		}
		return tx.CreateUser(r.User)
	})
	return r, err
}

// IsEmpty tells whether no organisation exists yet.
func (s *AuthService) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		orgs, err := tx.ListOrganisations()
		n = len(orgs)
		return err
	})
	return n == 0, err
}

// Organisation finds an organisation by name.
func (s *AuthService) Organisation(ctx context.Context, name string) (crmapi.Organisation, error) {
	var o crmapi.Organisation
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		o, err = tx.OrganisationByName(name)
		return err
	})
	return o, err
}

// Organisations lists every organisation (for the operator's CLI only).
func (s *AuthService) Organisations(ctx context.Context) ([]crmapi.Organisation, error) {
	var out []crmapi.Organisation
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.ListOrganisations()
		return err
	})
	return out, err
}

// CreateUnit adds a unit to an organisation. Codes: MANDATORY_PARAMETER_MISSING, CONFLICT.
func (s *AuthService) CreateUnit(ctx context.Context, orgID, name string) (crmapi.Unit, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return crmapi.Unit{}, crmapi.Missing("name")
	}
	u := crmapi.Unit{ID: crmapi.NewID(), OrganisationID: orgID, Name: name, CreatedAt: s.clock.Now()}
	err := s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.CreateUnit(u) })
	return u, err
}

// Units lists an organisation's units.
func (s *AuthService) Units(ctx context.Context, orgID string) ([]crmapi.Unit, error) {
	var out []crmapi.Unit
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.ListUnits(orgID)
		return err
	})
	return out, err
}

// NewUser describes a user to create.
type NewUser struct {
	Username string
	Password string
	// Unit is a unit id or name; the organisation's first unit when empty.
	Unit  string
	Admin bool
}

// CreateUser adds a user. Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, CONFLICT.
func (s *AuthService) CreateUser(ctx context.Context, orgID string, n NewUser) (crmapi.User, error) {
	n.Username = strings.TrimSpace(n.Username)
	if n.Username == "" {
		return crmapi.User{}, crmapi.Missing("username")
	}
	if len(n.Username) > 200 {
		return crmapi.User{}, crmapi.Invalid("username", "at most 200 characters")
	}
	if err := validatePassword(n.Password); err != nil {
		return crmapi.User{}, crmapi.Invalid("password", err.Error())
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return crmapi.User{}, err
	}
	u := crmapi.User{ID: crmapi.NewID(), OrganisationID: orgID, Username: n.Username, PasswordHash: hash,
		Admin: n.Admin, CreatedAt: s.clock.Now()}
	err = s.store.Update(ctx, func(tx crmapi.Tx) error {
		unit, err := s.unitOrFirst(tx, orgID, n.Unit)
		if err != nil {
			return err
		}
		u.UnitID = unit.ID
		return tx.CreateUser(u)
	})
	return u, err
}

func (s *AuthService) unitOrFirst(tx crmapi.Tx, orgID, ref string) (crmapi.Unit, error) {
	if ref != "" {
		return resolveUnit(tx, orgID, ref, "")
	}
	units, err := tx.ListUnits(orgID)
	if err != nil {
		return crmapi.Unit{}, err
	}
	if len(units) == 0 {
		return crmapi.Unit{}, crmapi.Errorf(crmapi.InvalidParameter, "Invalid parameter unit", "unit: the organisation has no unit")
	}
	return units[0], nil
}

// Users lists an organisation's users.
func (s *AuthService) Users(ctx context.Context, orgID string) ([]crmapi.User, error) {
	var out []crmapi.User
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.ListUsers(orgID)
		return err
	})
	return out, err
}

// UserChange is a patch of a user: nil fields stay as they are.
type UserChange struct {
	Password *string
	Admin    *bool
	Disabled *bool
	Unit     *string
}

// UpdateUser applies a patch to the user called username.
// Codes: NOT_FOUND, INVALID_PARAMETER.
func (s *AuthService) UpdateUser(ctx context.Context, orgID, username string, ch UserChange) (crmapi.User, error) {
	var hash string
	if ch.Password != nil {
		if err := validatePassword(*ch.Password); err != nil {
			return crmapi.User{}, crmapi.Invalid("password", err.Error())
		}
		var err error
		if hash, err = HashPassword(*ch.Password); err != nil {
			return crmapi.User{}, err
		}
	}
	var u crmapi.User
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		if u, err = tx.UserByUsername(orgID, username); err != nil {
			return err
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		if ch.Admin != nil {
			u.Admin = *ch.Admin
		}
		if ch.Disabled != nil {
			u.Disabled = *ch.Disabled
		}
		if ch.Unit != nil {
			unit, err := resolveUnit(tx, orgID, *ch.Unit, "")
			if err != nil {
				return err
			}
			u.UnitID = unit.ID
		}
		return tx.UpdateUser(u)
	})
	s.cache.dropUser(orgID, u.ID)
	return u, err
}

// NewAPIKey describes a web API key to create.
type NewAPIKey struct {
	Name string
	// Username is the user the key acts as.
	Username string
	// Unit is the key's unit (id or name); the user's unit when empty.
	Unit string
}

// CreateAPIKey makes a web API key and returns it with its secret, which
// is shown only this once. Codes: MANDATORY_PARAMETER_MISSING, NOT_FOUND, INVALID_PARAMETER.
func (s *AuthService) CreateAPIKey(ctx context.Context, orgID string, n NewAPIKey) (crmapi.WebAPIKey, string, error) {
	if n.Name == "" {
		return crmapi.WebAPIKey{}, "", crmapi.Missing("name")
	}
	if n.Username == "" {
		return crmapi.WebAPIKey{}, "", crmapi.Missing("username")
	}
	secret := "crk_" + crmapi.RandomToken(32)
	k := crmapi.WebAPIKey{ID: crmapi.NewID(), OrganisationID: orgID, Name: n.Name, KeyHash: hashAPIKey(secret), CreatedAt: s.clock.Now()}
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		u, err := tx.UserByUsername(orgID, n.Username)
		if err != nil {
			return err
		}
		unit, err := resolveUnit(tx, orgID, n.Unit, u.UnitID)
		if err != nil {
			return err
		}
		k.UserID, k.UnitID = u.ID, unit.ID
		return tx.CreateWebAPIKey(k)
	})
	if err != nil {
		return crmapi.WebAPIKey{}, "", err
	}
	return k, secret, nil
}

// APIKeys lists an organisation's web API keys (never their secrets).
func (s *AuthService) APIKeys(ctx context.Context, orgID string) ([]crmapi.WebAPIKey, error) {
	var out []crmapi.WebAPIKey
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.ListWebAPIKeys(orgID)
		return err
	})
	return out, err
}

// RevokeAPIKey stops a key from issuing tokens. Codes: NOT_FOUND.
func (s *AuthService) RevokeAPIKey(ctx context.Context, orgID, id string) error {
	if id == "" {
		return crmapi.Missing("id")
	}
	return s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.RevokeWebAPIKey(orgID, id, s.clock.Now()) })
}

// ErrNotAdmin is returned to non-admin callers of admin methods.
var ErrNotAdmin = &crmapi.Error{Code: crmapi.PermissionDenied, Message: "Permission denied", Detail: "this method is for admin users"}

// RequireAdmin returns ErrNotAdmin unless the caller is an admin.
func RequireAdmin(c crmapi.Caller) error {
	if !c.User.Admin {
		return ErrNotAdmin
	}
	return nil
}
