package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// Prefix is where every CRM.COM method lives.
const Prefix = "/crmapi/rest/v2/"

// Config is what the HTTP layer needs.
type Config struct {
	Services *service.Services
	Store    crmapi.Store
	Logger   *slog.Logger
	// Extra handlers mounted beside the API (the partner emulator, …).
	Extra map[string]http.Handler
	// Metrics, when set, count every request.
	Metrics *Metrics
}

// Server is the HTTP handler of crmapi.
type Server struct {
	svc     *service.Services
	store   crmapi.Store
	log     *slog.Logger
	mux     *http.ServeMux
	routes  map[string]*route
	handler http.Handler
	metrics *Metrics
	docs    map[string]methodDoc
}

// access says who may call a route.
type access int

const (
	// authenticated methods need a valid token.
	authenticated access = iota
	// public methods (login) need none.
	public
	// admin methods need a token of an admin user.
	admin
)

// handlerFunc decodes a request's parameters, calls one service method and
// returns the data for the envelope, or an error for the adapter.
type handlerFunc func(req *request) (any, error)

type route struct {
	Method string
	Path   string
	access access
	h      handlerFunc
}

// request is one decoded API call.
type request struct {
	r      *http.Request
	w      http.ResponseWriter
	params rawParams
	caller crmapi.Caller
	fields FieldsSet
	log    *slog.Logger
	// probe, when set, makes decode record the parameter type and stop:
	// the OpenAPI document learns each method's parameters this way.
	probe *reflect.Type
}

func (req *request) ctx() context.Context { return req.r.Context() }

// decode decodes the parameters into dst (see decodeParams).
func (req *request) decode(dst any) error {
	if req.probe != nil {
		// Documentation probe: record the parameter type, run nothing.
		*req.probe = reflect.TypeOf(dst).Elem()
		return errProbed
	}
	return decodeParams(req.params, dst)
}

// loc is the caller's organisation time zone for wire dates.
func (req *request) loc() *time.Location { return req.caller.Organisation.Location() }

// NewServer builds the handler with every route.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{svc: cfg.Services, store: cfg.Store, log: cfg.Logger, mux: http.NewServeMux(), routes: map[string]*route{},
		metrics: cfg.Metrics}
	s.registerRoutes()
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /openapi.json", s.serveOpenAPI)
	s.mux.HandleFunc("GET /docs", s.serveDocs)
	s.mux.Handle("GET /static/", staticHandler())
	for pattern, h := range cfg.Extra {
		s.mux.Handle(pattern, h)
	}
	s.mux.HandleFunc(Prefix, s.dispatch)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, crmapi.Errorf(crmapi.NotFound, "No such method", "%s", r.URL.Path))
	})
	s.handler = s.withBasics(s.mux)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// add registers a method. A GET method is also served on POST (JSON body).
func (s *Server) add(method, path string, a access, h handlerFunc) {
	if _, dup := s.routes[path]; dup {
		panic("httpapi: route registered twice: " + path)
	}
	s.routes[path] = &route{Method: method, Path: path, access: a, h: h}
}

// RouteInfo describes one API method, for documentation and route-coverage tests.
type RouteInfo struct {
	Method string
	Path   string
	Public bool
	Admin  bool
}

// Routes lists every API method, sorted by path.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.routes))
	for _, rt := range s.routes {
		out = append(out, RouteInfo{Method: rt.Method, Path: rt.Path, Public: rt.access == public, Admin: rt.access == admin})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	rt, ok := s.routes[path]
	if !ok {
		writeError(w, r, s.log, crmapi.Errorf(crmapi.NotFound, "No such method", "%s", r.URL.Path))
		return
	}
	if r.Method != rt.Method && !(rt.Method == http.MethodGet && r.Method == http.MethodPost) {
		w.Header().Set("Allow", allowed(rt.Method))
		writeError(w, r, s.log, crmapi.Errorf(crmapi.MethodNotAllowed, "Method not allowed", "%s takes %s", rt.Path, allowed(rt.Method)))
		return
	}
	data, err := s.serve(w, r, rt)
	if err == errAnswered {
		return
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeOK(w, data)
}

func allowed(m string) string {
	if m == http.MethodGet {
		return "GET, POST"
	}
	return m
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt *route) (json.RawMessage, error) {
	params, err := readParams(r)
	if err != nil {
		return nil, err
	}
	req := &request{r: r, w: w, params: params, log: s.log}
	token, err := takeToken(r, params)
	if err != nil {
		return nil, err
	}
	if raw, ok := params["fields_set"]; ok {
		var fs struct {
			F FieldsSet `json:"fields_set"`
		}
		if err := decodeParams(rawParams{"fields_set": raw}, &fs); err != nil {
			return nil, err
		}
		if err := checkFieldsSet(fs.F); err != nil {
			return nil, err
		}
		req.fields = fs.F
		delete(params, "fields_set")
	}
	if rt.access != public {
		if req.caller, err = s.svc.Auth.Authenticate(r.Context(), token); err != nil {
			return nil, err
		}
		setLogOrg(w, req.caller.Organisation.Name)
		if rt.access == admin {
			if err := service.RequireAdmin(req.caller); err != nil {
				return nil, err
			}
		}
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" && rt.Method == http.MethodPost && rt.access != public {
		return s.serveIdempotent(req, rt, key)
	}
	return s.run(req, rt)
}

// run calls the handler and encodes its data.
func (s *Server) run(req *request, rt *route) (json.RawMessage, error) {
	data, err := rt.h(req)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return emptyObject, nil
	}
	if pre, ok := data.(json.RawMessage); ok {
		return pre, nil
	}
	return filterFields(data, req.fields)
}

// takeToken removes "token" from the parameters; an Authorization: Bearer
// header is accepted beside it (an extension).
func takeToken(r *http.Request, p rawParams) (string, error) {
	var token string
	if raw, ok := p["token"]; ok {
		if s, ok := fromQuery(raw); ok {
			token = s
		} else if err := json.Unmarshal(raw, &token); err != nil {
			return "", crmapi.Invalid("token", "expected a string")
		}
		delete(p, "token")
	}
	if h := r.Header.Get("Authorization"); token == "" && len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		token = strings.TrimSpace(h[7:])
	}
	return token, nil
}

// clientAddr is the caller's IP address, for rate limiting.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeOK(w, json.RawMessage(`{"status":"ok"}`))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err.Error())
		writeError(w, r, s.log, &crmapi.Error{Code: crmapi.ServiceUnavailable, Message: "Database unreachable", Detail: "the database does not answer"})
		return
	}
	writeOK(w, json.RawMessage(`{"status":"ready","engine":"`+s.store.Engine()+`"}`))
}
