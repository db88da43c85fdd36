package httpapi_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// secretPattern matches an endpoint secret, which changes on every run.
var secretPattern = regexp.MustCompile(`"secret":"whsec_[0-9a-f]{64}"`)

// goldenHook is golden with endpoint secrets blanked.
func goldenHook(tb testing.TB, name string, r *response) {
	tb.Helper()
	blanked := *r
	blanked.Body = secretPattern.ReplaceAll(r.Body, []byte(`"secret":"whsec_…"`))
	golden(tb, name, &blanked)
}

// emitEvent records an event of the env's organisation as a service
// would, in a transaction of its own.
func (e *env) emitEvent(typ crmapi.EventType, data any) crmapi.Event {
	e.t.Helper()
	return e.emitEventFor(e.Org.ID, typ, data)
}

func (e *env) emitEventFor(orgID string, typ crmapi.EventType, data any) crmapi.Event {
	e.t.Helper()
	var ev crmapi.Event
	err := e.Store.Update(context.Background(), func(tx crmapi.Tx) error {
		var err error
		ev, err = e.Svc.Events.Emit(tx, orgID, typ, data, e.Clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// createEndpoint creates an endpoint over the wire and returns its id and secret.
func (e *env) createEndpoint(url string, types ...string) (id, secret string) {
	e.t.Helper()
	params := map[string]any{"token": e.Token, "url": url}
	if types != nil {
		params["event_types"] = types
	}
	r := e.post("webhooks/endpoints/create", params)
	r.wantOK()
	var d struct{ ID, Secret string }
	r.data(&d)
	return d.ID, d.Secret
}

// mustUserToken creates a user of the env's organisation and logs it in.
func (e *env) mustUserToken(username string, admin bool) string {
	e.t.Helper()
	if _, err := e.Svc.Auth.CreateUser(context.Background(), e.Org.ID,
		service.NewUser{Username: username, Password: testPassword, Admin: admin}); err != nil {
		e.t.Fatal(err)
	}
	return e.login(username, testPassword, e.Org.Name)
}

// mustOtherOrg bootstraps a second organisation and returns its admin's token.
func (e *env) mustOtherOrg(name string) (crmapi.Organisation, string) {
	e.t.Helper()
	res, err := e.Svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: name, Username: "admin", Password: testPassword})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Organisation, e.login("admin", testPassword, name)
}
