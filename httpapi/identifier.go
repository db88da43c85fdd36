package httpapi

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/crmapi/crmapi"
)

// Identifier is a CRM.COM identifier object: {"number": "ACR…"}. In a
// query string it is written param=field=value. Its fields are
// semi-optional: exactly one must be given.
type Identifier map[string]json.RawMessage

// one returns the single field and value of id among allowed.
// Codes: MANDATORY_PARAMETER_MISSING (none), ONLY_ONE_SEMI_OPTIONAL_ALLOWED
// (several), INVALID_PARAMETER (unknown field, non-string or empty value).
func (id Identifier) one(param string, allowed ...string) (field, value string, err error) {
	var given []string
	for k := range id {
		if !slices.Contains(allowed, k) {
			return "", "", crmapi.Invalid(param+"."+k, "unknown identifier field; use one of "+strings.Join(allowed, ", "))
		}
		given = append(given, k)
	}
	sort.Strings(given)
	switch len(given) {
	case 0:
		return "", "", &crmapi.Error{Code: crmapi.MandatoryParameterMissing, Message: "Mandatory parameter missing",
			Detail: param + ": one of " + strings.Join(allowed, ", ") + " is required"}
	case 1:
	default:
		return "", "", &crmapi.Error{Code: crmapi.OnlyOneSemiOptionalAllowed, Message: "Only one semi-optional parameter allowed",
			Detail: param + ": give only one of " + strings.Join(given, ", ")}
	}
	field = given[0]
	if err := json.Unmarshal(id[field], &value); err != nil {
		return "", "", crmapi.Invalid(param+"."+field, "expected a string")
	}
	if strings.TrimSpace(value) == "" {
		return "", "", crmapi.Invalid(param+"."+field, "empty value")
	}
	return field, value, nil
}

func sortStrings(s []string) { sort.Strings(s) }
