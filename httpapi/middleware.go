package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	callerKey
)

func requestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// recorder remembers what was written, for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	code   crmapi.Code
	org    string
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the recorder.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func setErrorCode(w http.ResponseWriter, code crmapi.Code) {
	if rec, ok := w.(*recorder); ok {
		rec.code = code
	}
}

func setLogOrg(w http.ResponseWriter, org string) {
	if rec, ok := w.(*recorder); ok {
		rec.org = org
	}
}

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// withBasics wraps every request: request id, body limit, panic recovery
// to GENERAL_ERROR, and one access-log line.
func (s *Server) withBasics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-Id")
		if !validRequestID(rid) {
			rid = crmapi.NewID()
		}
		w.Header().Set("X-Request-Id", rid)
		ctx := context.WithValue(r.Context(), requestIDKey, rid)
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", rid, "panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeError(rec, r, s.log, &crmapi.Error{Code: crmapi.GeneralError,
						Message: "An internal error occurred", Detail: "request id " + rid})
				}
			}
			code := rec.code
			if code == "" {
				code = crmapi.OK
			}
			took := time.Since(start)
			s.metrics.observe(s.routeLabel(r.URL.Path), rec.status, string(code), took)
			s.log.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("request_id", rid), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.String("code", string(code)), slog.String("org", rec.org),
				slog.Duration("duration", took), slog.String("remote", r.RemoteAddr))
		}()
		next.ServeHTTP(rec, r)
	})
}

// routeLabel is the metrics label of a path: a known route, or "other".
func (s *Server) routeLabel(path string) string {
	if p, ok := strings.CutPrefix(path, Prefix); ok {
		if _, known := s.routes[p]; known {
			return p
		}
	}
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return path
	}
	return "other"
}
