package console

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
)

// base is what every page's layout shows.
type base struct {
	Title string
	// Signed-in user; empty on the sign-in page.
	User         string
	Organisation string
	Admin        bool
	TimeZone     string
	// CSRF is the anti-forgery token of the page's forms.
	CSRF string
	// Query is what the search box shows; HideSearch leaves the box out
	// of the bar on the search page, which has its own.
	Query      string
	HideSearch bool
	// Flash says what the last action did.
	Flash string
	Error *errorView
}

// errorView is an error as the console shows it: a sentence, what was
// wrong, and the CRM.COM code an API caller would have seen.
type errorView struct {
	Code    string
	Message string
	Detail  string
}

func viewError(e *crmapi.Error) *errorView {
	return &errorView{Code: string(e.Code), Message: e.Message, Detail: e.Detail}
}

// baseOf fills the layout's fields for a signed-in user.
func baseOf(s *session, title string) base {
	org := s.caller.Organisation
	return base{Title: title, User: s.caller.User.Username, Organisation: org.Name, Admin: s.caller.User.Admin,
		TimeZone: org.Location().String(), CSRF: s.csrf}
}

// pages holds one template set per page, each with the shared layout.
type pages struct {
	set map[string]*template.Template
}

func mustParsePages() *pages {
	p := &pages{set: map[string]*template.Template{}}
	for _, name := range []string{"login", "home", "account", "netflix", "confirm", "error"} {
		p.set[name] = template.Must(template.ParseFS(assets, "templates/layout.html", "templates/"+name+".html"))
	}
	return p
}

// render writes a page whole, or an error if it could not be made, so
// that a template failure never leaves half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, name string, data any, status int) {
	var buf bytes.Buffer
	if err := c.pages.set[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		c.log.ErrorContext(r.Context(), "console template", "page", name, "err", err.Error())
		http.Error(w, "An internal error occurred", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorView turns err into what the page shows. Errors that are not a
// crmapi.Error are logged in full and shown only as GENERAL_ERROR with
// the request id, as the API shows them.
func (c *Console) errorView(w http.ResponseWriter, r *http.Request, err error) *errorView {
	var e *crmapi.Error
	if errors.As(err, &e) {
		return viewError(e)
	}
	// The API's middleware has given the response its request id.
	rid := w.Header().Get("X-Request-Id")
	c.log.ErrorContext(r.Context(), "console: internal error", "request_id", rid, "method", r.Method, "path", r.URL.Path, "err", err.Error())
	return &errorView{Code: string(crmapi.GeneralError), Message: "An internal error occurred", Detail: "request id " + rid}
}

// statusOf is the HTTP status of an error: the API's, from its one table.
func statusOf(err error) int { return httpapi.HTTPStatus(crmapi.ErrorCode(err)) }

// fail shows an error page; s is nil when nobody is signed in.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	v := base{Title: "Error"}
	if s != nil {
		v = baseOf(s, "Error")
	}
	v.Error = c.errorView(w, r, err)
	c.render(w, r, "error", v, statusOf(err))
}

// notFound answers console paths that name no page.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request, s *session) error {
	return crmapi.NotFoundf("Page", "the console has no page %s", r.URL.Path)
}

func itoa(n int) string { return strconv.Itoa(n) }
