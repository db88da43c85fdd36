package rowparts

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crmapi/crmapi"
)

// ServicesColumn is the SQL, the same on both engines but for the
// aggregate's name, that packs an authorisation's services (alias v) into
// one text column for UnpackServices: five space-separated fields a
// service (id, target kind, target id, maximum amount and usage in units),
// in position order. None of the fields can hold a space: ids are hex,
// kinds are names, the others integers.
const ServicesColumn = `v.id || ' ' || v.target_kind || ' ' || v.target_id || ' ' || v.maximum_amount || ' ' || v.maximum_usage`

// UnpackServices reads a column packed by ServicesColumn; an empty one is
// no services (an empty list, as the engines' lists are).
func UnpackServices(packed string) ([]crmapi.AuthorisationService, error) {
	fields := strings.Fields(packed)
	if len(fields)%5 != 0 {
		return nil, fmt.Errorf("rowparts: packed services have %d fields", len(fields))
	}
	out := make([]crmapi.AuthorisationService, 0, len(fields)/5)
	for i := 0; i < len(fields); i += 5 {
		amount, err := strconv.ParseInt(fields[i+3], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("rowparts: packed service amount: %w", err)
		}
		usage, err := strconv.ParseInt(fields[i+4], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("rowparts: packed service usage: %w", err)
		}
		out = append(out, crmapi.AuthorisationService{ID: fields[i],
			Target:        crmapi.Target{Kind: crmapi.TargetKind(fields[i+1]), ID: fields[i+2]},
			MaximumAmount: crmapi.AmountFromUnits(amount), MaximumUsage: crmapi.QuantityFromUnits(usage)})
	}
	return out, nil
}

// Count is the number of columns in a comma-separated column list.
func Count(columns string) int { return strings.Count(columns, ",") + 1 }
