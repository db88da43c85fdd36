// Package storetest holds every behaviour a crmapi.Store must have, once,
// as a suite that each engine's tests run against a fresh database.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
)

// Opener returns a fresh, migrated, empty store for one test; the opener
// arranges its cleanup with tb.Cleanup.
type Opener func(tb testing.TB) crmapi.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	t.Run("SchemaVersion", func(t *testing.T) { testSchemaVersion(t, open(t)) })
	t.Run("Organisations", func(t *testing.T) { testOrganisations(t, open(t)) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("WebAPIKeys", func(t *testing.T) { testWebAPIKeys(t, open(t)) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open(t)) })
	t.Run("AuthIsolation", func(t *testing.T) { testAuthIsolation(t, open(t)) })
	t.Run("Rollback", func(t *testing.T) { testRollback(t, open(t)) })
	for _, c := range extraCases {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// extraCases lets resource files of this package add their cases.
var extraCases []struct {
	name string
	run  func(*testing.T, crmapi.Store)
}

func addCase(name string, run func(*testing.T, crmapi.Store)) {
	extraCases = append(extraCases, struct {
		name string
		run  func(*testing.T, crmapi.Store)
	}{name, run})
}

// T0 is the fixed time the suite uses: stores keep microseconds.
var T0 = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

func mustUpdate(tb testing.TB, s crmapi.Store, fn func(crmapi.Tx) error) {
	tb.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		tb.Fatalf("update: %v", err)
	}
}

func mustView(tb testing.TB, s crmapi.Store, fn func(crmapi.Tx) error) {
	tb.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		tb.Fatalf("view: %v", err)
	}
}

func wantCode(tb testing.TB, err error, code crmapi.Code) {
	tb.Helper()
	if got := crmapi.ErrorCode(err); got != code {
		tb.Fatalf("error code = %s (%v), want %s", got, err, code)
	}
}

// Tenant is an organisation with a unit and an admin user, made by MustTenant.
type Tenant struct {
	Org  crmapi.Organisation
	Unit crmapi.Unit
	User crmapi.User
}

// MustTenant creates an organisation called name with a unit and a user.
func MustTenant(tb testing.TB, s crmapi.Store, name string) Tenant {
	tb.Helper()
	tn := Tenant{
		Org: crmapi.Organisation{ID: crmapi.NewID(), Name: name, TimeZone: "UTC", CreatedAt: T0},
	}
	tn.Unit = crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: "Head Office", CreatedAt: T0}
	tn.User = crmapi.User{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, UnitID: tn.Unit.ID, Username: "Admin",
		PasswordHash: "hash", Admin: true, CreatedAt: T0}
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		if err := tx.CreateOrganisation(tn.Org); err != nil {
			return err
		}
		if err := tx.CreateUnit(tn.Unit); err != nil {
			return err
		}
		return tx.CreateUser(tn.User)
	})
	return tn
}

func testSchemaVersion(t *testing.T, s crmapi.Store) {
	v, err := s.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v != crmapi.SchemaVersion {
		t.Fatalf("%s schema version = %d, want %d", s.Engine(), v, crmapi.SchemaVersion)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func testOrganisations(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.OrganisationByName("ACME")
		if err != nil {
			return err
		}
		if got != a.Org {
			t.Errorf("OrganisationByName = %+v, want %+v", got, a.Org)
		}
		got, err = tx.OrganisationByID(a.Org.ID)
		if err != nil || got != a.Org {
			t.Errorf("OrganisationByID = %+v, %v", got, err)
		}
		_, err = tx.OrganisationByName("acme-missing")
		wantCode(t, err, crmapi.NotFound)
		list, err := tx.ListOrganisations()
		if err != nil || len(list) != 1 {
			t.Errorf("ListOrganisations = %v, %v", list, err)
		}
		return nil
	})
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		return tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "ACME", TimeZone: "UTC", CreatedAt: T0})
	})
	wantCode(t, err, crmapi.Conflict)
}

func testUsers(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	mustView(t, s, func(tx crmapi.Tx) error {
		u, err := tx.UserByUsername(a.Org.ID, "aDMIN")
		if err != nil {
			return err
		}
		if u != a.User {
			t.Errorf("UserByUsername = %+v, want %+v", u, a.User)
		}
		_, err = tx.UserByUsername(a.Org.ID, "nobody")
		wantCode(t, err, crmapi.NotFound)
		return nil
	})
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		return tx.CreateUser(crmapi.User{ID: crmapi.NewID(), OrganisationID: a.Org.ID, UnitID: a.Unit.ID,
			Username: "ADMIN", PasswordHash: "x", CreatedAt: T0})
	})
	wantCode(t, err, crmapi.Conflict)
	u := a.User
	u.Disabled, u.Admin, u.PasswordHash = true, false, "new"
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateUser(u) })
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.UserByID(a.Org.ID, u.ID)
		if err != nil {
			return err
		}
		if got != u {
			t.Errorf("after UpdateUser = %+v, want %+v", got, u)
		}
		list, err := tx.ListUsers(a.Org.ID)
		if err != nil || len(list) != 1 {
			t.Errorf("ListUsers = %v, %v", list, err)
		}
		return nil
	})
}

func testWebAPIKeys(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	k := crmapi.WebAPIKey{ID: crmapi.NewID(), OrganisationID: a.Org.ID, UnitID: a.Unit.ID, UserID: a.User.ID,
		Name: "billing", KeyHash: "h1", CreatedAt: T0}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateWebAPIKey(k) })
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.WebAPIKeyByHash("h1")
		if err != nil {
			return err
		}
		if got.ID != k.ID || got.RevokedAt != nil || !got.CreatedAt.Equal(T0) {
			t.Errorf("WebAPIKeyByHash = %+v", got)
		}
		return nil
	})
	at := T0.Add(time.Hour)
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.RevokeWebAPIKey(a.Org.ID, k.ID, at) })
	mustView(t, s, func(tx crmapi.Tx) error {
		list, err := tx.ListWebAPIKeys(a.Org.ID)
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(at) {
			t.Errorf("after revoke = %+v", list)
		}
		return nil
	})
}

func testSessions(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	se := crmapi.Session{ID: crmapi.NewID(), OrganisationID: a.Org.ID, UserID: a.User.ID, UnitID: a.Unit.ID,
		IssuedAt: T0, ExpiresAt: T0.Add(2 * time.Hour)}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateSession(se) })
	rel := T0.Add(time.Minute)
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		if err := tx.ReleaseSession(a.Org.ID, se.ID, rel); err != nil {
			return err
		}
		return tx.ReleaseSession(a.Org.ID, se.ID, rel.Add(time.Minute))
	})
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.SessionByID(a.Org.ID, se.ID)
		if err != nil {
			return err
		}
		if got.ReleasedAt == nil || !got.ReleasedAt.Equal(rel) || !got.ExpiresAt.Equal(se.ExpiresAt) {
			t.Errorf("session after release = %+v", got)
		}
		return nil
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		n, err := tx.DeleteSessionsExpiredBefore(T0.Add(3 * time.Hour))
		if n != 1 {
			t.Errorf("deleted %d sessions, want 1", n)
		}
		return err
	})
}

func testAuthIsolation(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	se := crmapi.Session{ID: crmapi.NewID(), OrganisationID: a.Org.ID, UserID: a.User.ID, UnitID: a.Unit.ID,
		IssuedAt: T0, ExpiresAt: T0.Add(time.Hour)}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateSession(se) })
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.UserByID(b.Org.ID, a.User.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.UserByUsername(b.Org.ID, "admin")
		if err != nil {
			t.Errorf("b's own admin: %v", err)
		}
		_, err = tx.UnitByID(b.Org.ID, a.Unit.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.SessionByID(b.Org.ID, se.ID)
		wantCode(t, err, crmapi.NotFound)
		users, _ := tx.ListUsers(b.Org.ID)
		for _, u := range users {
			if u.OrganisationID != b.Org.ID {
				t.Errorf("foreign user %+v in b's list", u)
			}
		}
		return nil
	})
	err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.ReleaseSession(b.Org.ID, se.ID, T0) })
	wantCode(t, err, crmapi.NotFound)
	err = s.Update(context.Background(), func(tx crmapi.Tx) error {
		u := a.User
		u.OrganisationID = b.Org.ID
		u.Disabled = true
		return tx.UpdateUser(u)
	})
	wantCode(t, err, crmapi.NotFound)
}

func testRollback(t *testing.T, s crmapi.Store) {
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		if err := tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "Gone", TimeZone: "UTC", CreatedAt: T0}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update error = %v, want boom", err)
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.OrganisationByName("Gone")
		wantCode(t, err, crmapi.NotFound)
		return nil
	})
}

func init() {
	addCase("Sequences", testSequences)
}

func testSequences(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	var got []int64
	for range 3 {
		mustUpdate(t, s, func(tx crmapi.Tx) error {
			n, err := tx.NextNumber(a.Org.ID, "ACR")
			got = append(got, n)
			return err
		})
	}
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		n, err := tx.NextNumber(b.Org.ID, "ACR")
		if n != 1 {
			t.Errorf("b's first ACR = %d, want 1", n)
		}
		m, err2 := tx.NextNumber(a.Org.ID, "UA")
		if m != 1 {
			t.Errorf("a's first UA = %d, want 1", m)
		}
		return errors.Join(err, err2)
	})
	if len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("ACR numbers = %v, want 1 2 3", got)
	}
	// A rolled-back transaction gives its number back.
	_ = s.Update(context.Background(), func(tx crmapi.Tx) error {
		tx.NextNumber(a.Org.ID, "ACR")
		return errors.New("roll back")
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		n, err := tx.NextNumber(a.Org.ID, "ACR")
		if n != 4 {
			t.Errorf("after rollback ACR = %d, want 4", n)
		}
		return err
	})
	if crmapi.FormatNumber("ACR", 4) != "ACR0000000004" {
		t.Errorf("FormatNumber = %s", crmapi.FormatNumber("ACR", 4))
	}
}

func init() {
	addCase("SessionCaller", testSessionCaller)
}

func testSessionCaller(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	se := crmapi.Session{ID: crmapi.NewID(), OrganisationID: a.Org.ID, UserID: a.User.ID, UnitID: a.Unit.ID,
		IssuedAt: T0, ExpiresAt: T0.Add(time.Hour)}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateSession(se) })
	mustView(t, s, func(tx crmapi.Tx) error {
		c, got, err := tx.SessionCaller("ACME", se.ID)
		if err != nil {
			return err
		}
		if c.Organisation != a.Org || c.User != a.User || c.Unit != a.Unit || c.SessionID != se.ID || got.ReleasedAt != nil {
			t.Errorf("SessionCaller = %+v %+v", c, got)
		}
		_, _, err = tx.SessionCaller(b.Org.Name, se.ID)
		wantCode(t, err, crmapi.NotFound)
		_, _, err = tx.SessionCaller("ACME", crmapi.NewID())
		wantCode(t, err, crmapi.NotFound)
		return nil
	})
}

func init() {
	addCase("TestClockOffset", testClockOffset)
}

func testClockOffset(t *testing.T, s crmapi.Store) {
	prod := MustTenant(t, s, "ACME")
	lab := crmapi.Organisation{ID: crmapi.NewID(), Name: "Lab", TimeZone: "UTC", Test: true, CreatedAt: T0}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateOrganisation(lab) })
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetOrganisationClockOffset(lab.ID, 90*time.Minute) })
	err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.SetOrganisationClockOffset(prod.Org.ID, time.Hour) })
	wantCode(t, err, crmapi.NotFound)
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.OrganisationByName("Lab")
		if err != nil || got.ClockOffset != 90*time.Minute {
			t.Errorf("offset = %v, %v", got.ClockOffset, err)
		}
		p, _ := tx.OrganisationByID(prod.Org.ID)
		if p.ClockOffset != 0 {
			t.Errorf("production offset = %v", p.ClockOffset)
		}
		return nil
	})
}
