// Package console is crmapi's operator console: server-rendered pages at
// /console/ where operations staff sign in with their crmapi credentials,
// find a customer and look at, or act on, their accounts, holds and
// subscriptions.
//
// Every page calls the same services as the API, with the signed-in
// user's token, so tenancy, life-cycle rules, access rules and error codes
// are the API's: the console only renders them.
package console

import (
	"crypto/rand"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/crmapi/crmapi/service"
)

// Path is where crmapid mounts the console.
const Path = "/console/"

// Config is what the console needs.
type Config struct {
	Services *service.Services
	Logger   *slog.Logger
	// Key signs the forms' anti-forgery tokens. Processes that serve the
	// same users (behind one load balancer) need the same key; a random
	// one is made when it is empty, and then forms shown by an earlier
	// process are refused once.
	Key []byte
}

//go:embed templates/*.html static/*
var assets embed.FS

// Console serves the console's pages.
type Console struct {
	svc   *service.Services
	log   *slog.Logger
	key   []byte
	pages *pages
	mux   *http.ServeMux
}

// New builds the console's handler; mount it at Path.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	key := cfg.Key
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	c := &Console{svc: cfg.Services, log: cfg.Logger, key: key, pages: mustParsePages(), mux: http.NewServeMux()}
	c.routes()
	return c
}

// routes is the console's route table, in one place like the API's.
func (c *Console) routes() {
	static, _ := fs.Sub(assets, "static")
	c.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticFiles(static)))
	c.mux.HandleFunc("GET /console/login", c.loginForm)
	c.mux.HandleFunc("POST /console/login", c.login)
	c.mux.Handle("POST /console/logout", c.signedIn(c.logout))
	c.mux.Handle("GET /console/{$}", c.signedIn(c.home))
	c.mux.Handle("GET /console/search", c.signedIn(c.search))
	c.mux.Handle("GET /console/accounts/{number}", c.signedIn(c.account))
	c.mux.Handle("GET /console/authorisations/{number}/cancel", c.signedIn(c.confirmCancelHold))
	c.mux.Handle("POST /console/authorisations/{number}/cancel", c.signedIn(c.cancelHold))
	c.mux.Handle("GET /console/netflix", c.signedIn(c.netflix))
	c.mux.Handle("GET /console/netflix/{action}", c.signedIn(c.confirmChange))
	c.mux.Handle("POST /console/netflix/{action}", c.signedIn(c.doChange))
	c.mux.Handle("GET /console/netflix/charges/{number}/acknowledge", c.signedIn(c.confirmAcknowledge))
	c.mux.Handle("POST /console/netflix/charges/{number}/acknowledge", c.signedIn(c.acknowledge))
	c.mux.Handle("/console/", c.signedIn(c.notFound))
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The console runs no script and loads nothing from elsewhere; pages
	// show customers' data, so nothing is cached or framed.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// staticFiles serves the embedded stylesheet; it changes only with the
// binary, so browsers may keep it for a while.
func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // files only, no listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
