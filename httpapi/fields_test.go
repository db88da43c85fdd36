package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// pruneDecoded is the reference: fields_set applied to the decoded value.
func pruneDecoded(v any, t fieldTree) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = pruneDecoded(x[i], t)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, sub := range t {
			if val, ok := x[k]; ok {
				if sub == nil {
					out[k] = val
				} else {
					out[k] = pruneDecoded(val, sub)
				}
			}
		}
		return out
	}
	return v
}

func TestFilterFieldsMatchesDecodedPruning(t *testing.T) {
	type owner struct {
		First string `json:"first_name"`
		Last  string `json:"last_name"`
	}
	type account struct {
		Number string   `json:"number"`
		Owner  owner    `json:"account_owner"`
		Tags   []string `json:"tags"`
	}
	type item struct {
		Zeta    string    `json:"zeta"`
		ID      string    `json:"id"`
		Amount  string    `json:"amount"`
		Account account   `json:"accounts_receivable"`
		List    []owner   `json:"owners"`
		Nothing *string   `json:"nothing"`
		Quoted  string    `json:"quoted"`
		Numbers []float64 `json:"numbers"`
	}
	one := item{Zeta: "z", ID: "A1", Amount: "10.50", Account: account{Number: "ACR1", Owner: owner{"Ada", "L"}, Tags: []string{"a", "b"}},
		List: []owner{{"X", "Y"}, {"Z", "W"}}, Quoted: `he said "hi" <b>&`, Numbers: []float64{1.5, 2}}
	for _, fs := range []FieldsSet{
		{"id"},
		{"zeta", "id", "unknown"},
		{"accounts_receivable.number", "accounts_receivable.account_owner.last_name"},
		{"accounts_receivable.account_owner", "accounts_receivable.account_owner.first_name"},
		{"accounts_receivable.number", "accounts_receivable"},
		{"owners.first_name", "nothing", "quoted", "numbers"},
		{"id.deeper", "amount.x"},
		{"nope"},
	} {
		for _, v := range []any{one, []item{one, one}, []item{}} {
			got, err := filterFields(v, fs)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			var doc any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			want := pruneDecoded(doc, fs.tree())
			var gotDoc any
			if err := json.Unmarshal(got, &gotDoc); err != nil {
				t.Fatalf("fields_set %v: invalid %s: %v", fs, got, err)
			}
			if !reflect.DeepEqual(gotDoc, want) {
				wantJSON, _ := json.Marshal(want)
				t.Errorf("fields_set %v:\n got %s\nwant %s", fs, got, wantJSON)
			}
		}
	}
}

func TestCheckJSONDuplicatesAndUnknownKeys(t *testing.T) {
	var many strings.Builder
	many.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&many, `"k%d":%d,`, i, i)
	}
	type inner struct {
		A string `json:"a"`
	}
	type params struct {
		Items []inner `json:"items"`
		Name  string  `json:"name"`
	}
	for _, tc := range []struct {
		body string
		typ  reflect.Type
		want string // "" for no error, else a part of the error
	}{
		{`{"a":1,"b":{"c":[{"d":1},{"d":2}]}}`, nil, ""},
		{`{"a":1,"a":2}`, nil, `key "a" given more than once`},
		{`{"b":{"c":[{"d":1,"d":2}]}}`, nil, `b.c[0].d`},
		{`{"\u0061":1,"a":2}`, nil, `given more than once`},
		{many.String() + `"k7":0}`, nil, `key "k7" given more than once`},
		{many.String() + `"k99":0}`, nil, ""},
		{`{"items":[{"a":"x"},{"b":"y"}],"name":"n"}`, reflect.TypeFor[params](), `items[1].b`},
		{`{"items":[{"a":"x"}],"Name":"n"}`, reflect.TypeFor[params](), `unknown parameter`},
		{`{"a":1} x`, nil, `trailing data`},
		{`{"a":`, nil, `malformed JSON`},
	} {
		err := checkJSON([]byte(tc.body), tc.typ, "")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error with %q", tc.body, err, tc.want)
		}
	}
}
