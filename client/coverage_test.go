package client

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every method of the server's OpenAPI document has a typed SDK method:
// its name appears as a string literal in the package's code.
func TestEveryMethodHasATypedCall(t *testing.T) {
	resp, err := http.Get(startServer(t) + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || len(doc.Paths) < 50 {
		t.Fatalf("openapi.json: %d paths, %v", len(doc.Paths), err)
	}
	literals := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				literals[s] = true
			}
			return true
		})
	}
	seen := map[string]bool{}
	for path := range doc.Paths {
		method := strings.TrimPrefix(strings.TrimPrefix(path, Prefix), "/")
		seen[method] = true
		if !literals[method] {
			t.Errorf("no SDK method calls %s", method)
		}
	}
	if !seen["netflix/charges/acknowledge"] || !seen["usage_authorisations/create"] {
		t.Fatalf("unexpected method names in openapi.json: %v", seen)
	}
}
