package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Every route is in the document with a summary; the checker used by all
// wire tests refuses an answer that strays from it.
func TestOpenAPIDocument(t *testing.T) {
	e := mustEnv(t)
	resp, err := http.Get(e.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}
	for path, item := range doc["paths"].(map[string]any) {
		post := item.(map[string]any)["post"].(map[string]any)
		if post["summary"] == "" || post["summary"] == nil {
			t.Errorf("%s has no summary: document it in routes.go", path)
		}
	}
	defs := doc["components"].(map[string]any)["schemas"].(map[string]any)
	schema := doc["paths"].(map[string]any)["/crmapi/rest/v2/admin/users/list"].(map[string]any)["post"].(map[string]any)["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
	var bad any
	json.Unmarshal([]byte(`{"data":[{"username":"x","admin":"yes"}],"status":{"code":"OK","description":"","message":""}}`), &bad)
	if err := validate(schema, bad, "answer", defs, false); err == nil {
		t.Fatal("the checker accepts a string where the document says boolean")
	}
	json.Unmarshal([]byte(`{"data":[{"username":"x","colour":"red"}],"status":{"code":"OK","description":"","message":""}}`), &bad)
	if err := validate(schema, bad, "answer", defs, false); err != nil && !strings.Contains(err.Error(), "colour") {
		t.Fatalf("unexpected: %v", err)
	}
	page, err := http.Get(e.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(b), "/openapi.json") {
		t.Fatalf("/docs: %s", b)
	}
	js, err := http.Get(e.URL + "/static/redoc.standalone.js")
	if err != nil || js.StatusCode != 200 {
		t.Fatalf("renderer: %v %v", js, err)
	}
	js.Body.Close()
}
