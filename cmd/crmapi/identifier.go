package main

import (
	"regexp"
	"strings"
)

// entity says how a command-line value names an entity in a CRM.COM
// identifier object. FIELD=VALUE names the field outright; otherwise the
// value's shape decides: a 32-hex id, a business number (its prefix and
// digits), or else the entity's default field.
type entity struct {
	Fields  []string // the fields the API accepts
	Prefix  string   // business-number prefix, e.g. ACR
	Numbers string   // the field business numbers go to
	Default string   // the field of any other value
}

// The entities options name.
var (
	accountEntity       = &entity{Fields: []string{"id", "number", "name"}, Prefix: "ACR", Numbers: "number", Default: "name"}
	subscriptionEntity  = &entity{Fields: []string{"id", "number"}, Prefix: "SUB", Numbers: "number", Default: "number"}
	authorisationEntity = &entity{Fields: []string{"id", "authorisation_id"}, Prefix: "UA", Numbers: "authorisation_id", Default: "authorisation_id"}
	contactEntity       = &entity{Fields: []string{"id"}, Default: "id"}
	serviceEntity       = &entity{Fields: []string{"id", "code", "alternative_code"}, Default: "code"}
	productTypeEntity   = &entity{Fields: []string{"id", "name", "alternative_code"}, Default: "name"}
	udrTypeEntity       = &entity{Fields: []string{"id", "name", "alternative_code"}, Default: "name"}
	familyEntity        = &entity{Fields: []string{"id", "code", "name"}, Default: "code"}
)

var hexID = regexp.MustCompile(`^[0-9A-Fa-f]{32}$`)

// identify turns a value into an identifier object.
func (e *entity) identify(v string) map[string]any {
	if field, value, ok := strings.Cut(v, "="); ok {
		for _, f := range e.Fields {
			if f == field {
				return map[string]any{field: value}
			}
		}
	}
	switch {
	case hexID.MatchString(v):
		return map[string]any{"id": strings.ToUpper(v)}
	case e.Prefix != "" && regexp.MustCompile(`^`+e.Prefix+`[0-9]+$`).MatchString(v):
		return map[string]any{e.Numbers: v}
	}
	return map[string]any{e.Default: v}
}

// usageHint describes the forms an entity's option accepts.
func (e *entity) usageHint() string {
	var forms []string
	if e.Prefix != "" {
		forms = append(forms, e.Prefix+"…")
	}
	if len(e.Fields) > 1 || e.Default != "id" {
		forms = append(forms, "32-hex id")
	}
	forms = append(forms, "FIELD=VALUE ("+strings.Join(e.Fields, ", ")+"; default "+e.Default+")")
	return strings.Join(forms, ", ")
}
