package httpapi

import (
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

// wireDateLayout is CRM.COM's date-time: local time of the organisation, no zone.
const wireDateLayout = "2006-01-02T15:04:05"

// formatDate writes t in loc as a wire date.
func formatDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(wireDateLayout)
}

// formatDatePtr writes an optional date; nil stays null.
func formatDatePtr(t *time.Time, loc *time.Location) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := formatDate(*t, loc)
	return &s
}

// parseDate reads a wire date in loc; an explicit offset or Z and
// fractional seconds are accepted too.
func parseDate(param, s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", wireDateLayout, "2006-01-02"} {
		var t time.Time
		var err error
		if strings.HasPrefix(layout, "2006-01-02T15:04:05Z") || layout == time.RFC3339Nano {
			t, err = time.Parse(layout, s)
		} else {
			t, err = time.ParseInLocation(layout, s, loc)
		}
		if err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, crmapi.Invalid(param, "not a date-time YYYY-MM-DDTHH:MM:SS")
}
