package console

import (
	"time"

	"github.com/crmapi/crmapi"
)

// dateLayout is how pages show a date: the organisation's local time, to
// the minute, as operators read it.
const dateLayout = "2006-01-02 15:04"

// date formats t in the organisation's time zone.
func date(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(dateLayout)
}

// datePtr formats an optional date; nil is empty.
func datePtr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return date(*t, loc)
}

// money writes an amount with its currency's decimals ("500.00 EUR").
func money(a crmapi.Amount, currency string) string {
	return a.StringFixed(crmapi.CurrencyExponent(currency)) + " " + currency
}

// contactName is how a contact is named on a page: a company by its
// name, a person by first and last name.
func contactName(c crmapi.Contact) string {
	if c.CompanyName != "" {
		return c.CompanyName
	}
	name := c.LastName
	if c.FirstName != "" {
		name = c.FirstName + " " + name
	}
	return name
}

// usageUnit names what a target's usage is counted in: the UDR type of
// its services (Litres, VOD), or "units" when they differ.
func usageUnit(t crmapi.Target, cat crmapi.Catalogue) string {
	var typeID string
	switch t.Kind {
	case crmapi.TargetService:
		typeID = cat.Services[t.ID].ProductTypeID
	case crmapi.TargetServiceType:
		typeID = t.ID
	}
	if name := cat.UDRTypes[cat.ProductTypes[typeID].UDRTypeID].Name; name != "" {
		return name
	}
	return "units"
}

// targetName names what a limit or an authorisation's maxima are on.
func targetName(t crmapi.Target, cat crmapi.Catalogue) string {
	switch t.Kind {
	case crmapi.TargetService:
		s := cat.Services[t.ID]
		if s.AlternativeCode != "" {
			return s.Code + " (" + s.AlternativeCode + ")"
		}
		return s.Code
	case crmapi.TargetServiceType:
		return "service type " + cat.ProductTypes[t.ID].Name
	case crmapi.TargetFamily:
		return "family " + cat.Families[t.ID].Name
	}
	return string(t.Kind)
}
