package httpapi

import (
	"embed"
	"net/http"
)

//go:embed static/redoc.standalone.js
var staticFiles embed.FS

// docsPage renders /openapi.json readably with the vendored Redoc.
const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crmapi API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json" hide-download-button="false"></redoc>
<script src="/static/redoc.standalone.js"></script></body></html>`

func (s *Server) serveDocs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(docsPage))
}

func staticHandler() http.Handler {
	fs := http.FileServerFS(staticFiles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fs.ServeHTTP(w, r)
	})
}
