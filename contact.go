package crmapi

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Address is CRM.COM's address parameter object, in either of its formats:
// the CRM.COM one (street_name …) or the international one
// (address_line_1 …). The JSON keys are the wire's.
type Address struct {
	Type                string            `json:"type"`
	IsPrimary           *bool             `json:"is_primary,omitempty"`
	PostalCode          string            `json:"postal_code,omitempty"`
	StreetName          string            `json:"street_name,omitempty"`
	StreetNumber        string            `json:"street_number,omitempty"`
	Floor               *int              `json:"floor,omitempty"`
	ApartmentNumber     string            `json:"apartment_number,omitempty"`
	Area                string            `json:"area,omitempty"`
	TownCity            string            `json:"town_city,omitempty"`
	District            string            `json:"district,omitempty"`
	Municipality        string            `json:"municipality,omitempty"`
	CountryIdentifier   map[string]string `json:"country_identifier,omitempty"`
	AddressLine1        string            `json:"address_line_1,omitempty"`
	AddressLine2        string            `json:"address_line_2,omitempty"`
	StateProvinceCounty string            `json:"state_province_county,omitempty"`
	POBox               string            `json:"po_box,omitempty"`
	POBoxPostalCode     string            `json:"po_box_postal_code,omitempty"`
	CareOf              string            `json:"care_of,omitempty"`
	Notes               string            `json:"notes,omitempty"`
	UDFString1          string            `json:"udf_string_1,omitempty"`
	UDFString2          string            `json:"udf_string_2,omitempty"`
	UDFString3          string            `json:"udf_string_3,omitempty"`
	UDFString4          string            `json:"udf_string_4,omitempty"`
	UDFString5          string            `json:"udf_string_5,omitempty"`
	UDFString6          string            `json:"udf_string_6,omitempty"`
	UDFString7          string            `json:"udf_string_7,omitempty"`
	UDFString8          string            `json:"udf_string_8,omitempty"`
	UDFString9          string            `json:"udf_string_9,omitempty"`
	UDFString10         string            `json:"udf_string_10,omitempty"`
	UDFFloat1           json.Number       `json:"udf_float_1,omitempty"`
	UDFFloat2           json.Number       `json:"udf_float_2,omitempty"`
	UDFFloat3           json.Number       `json:"udf_float_3,omitempty"`
	UDFFloat4           json.Number       `json:"udf_float_4,omitempty"`
	UDFDate1            string            `json:"udf_date_1,omitempty"`
	UDFDate2            string            `json:"udf_date_2,omitempty"`
	UDFDate3            string            `json:"udf_date_3,omitempty"`
	UDFDate4            string            `json:"udf_date_4,omitempty"`
}

// Email is CRM.COM's email parameter object.
type Email struct {
	Type         string      `json:"type"`
	IsPrimary    *bool       `json:"is_primary,omitempty"`
	EmailAddress string      `json:"email_address"`
	Notes        string      `json:"notes,omitempty"`
	UDFString1   string      `json:"udf_string_1,omitempty"`
	UDFString2   string      `json:"udf_string_2,omitempty"`
	UDFString3   string      `json:"udf_string_3,omitempty"`
	UDFString4   string      `json:"udf_string_4,omitempty"`
	UDFString5   string      `json:"udf_string_5,omitempty"`
	UDFString6   string      `json:"udf_string_6,omitempty"`
	UDFString7   string      `json:"udf_string_7,omitempty"`
	UDFString8   string      `json:"udf_string_8,omitempty"`
	UDFFloat1    json.Number `json:"udf_float_1,omitempty"`
	UDFFloat2    json.Number `json:"udf_float_2,omitempty"`
	UDFFloat3    json.Number `json:"udf_float_3,omitempty"`
	UDFFloat4    json.Number `json:"udf_float_4,omitempty"`
	UDFDate1     string      `json:"udf_date_1,omitempty"`
	UDFDate2     string      `json:"udf_date_2,omitempty"`
	UDFDate3     string      `json:"udf_date_3,omitempty"`
	UDFDate4     string      `json:"udf_date_4,omitempty"`
}

// Phone is CRM.COM's phone parameter object.
type Phone struct {
	Type              string            `json:"type"`
	IsPrimary         *bool             `json:"is_primary,omitempty"`
	Number            string            `json:"number"`
	AreaCode          string            `json:"area_code,omitempty"`
	CountryIdentifier map[string]string `json:"country_identifier,omitempty"`
	Notes             string            `json:"notes,omitempty"`
	UDFString1        string            `json:"udf_string_1,omitempty"`
	UDFString2        string            `json:"udf_string_2,omitempty"`
	UDFString3        string            `json:"udf_string_3,omitempty"`
	UDFString4        string            `json:"udf_string_4,omitempty"`
	UDFString5        string            `json:"udf_string_5,omitempty"`
	UDFString6        string            `json:"udf_string_6,omitempty"`
	UDFString7        string            `json:"udf_string_7,omitempty"`
	UDFString8        string            `json:"udf_string_8,omitempty"`
	UDFFloat1         json.Number       `json:"udf_float_1,omitempty"`
	UDFFloat2         json.Number       `json:"udf_float_2,omitempty"`
	UDFFloat3         json.Number       `json:"udf_float_3,omitempty"`
	UDFFloat4         json.Number       `json:"udf_float_4,omitempty"`
	UDFDate1          string            `json:"udf_date_1,omitempty"`
	UDFDate2          string            `json:"udf_date_2,omitempty"`
	UDFDate3          string            `json:"udf_date_3,omitempty"`
	UDFDate4          string            `json:"udf_date_4,omitempty"`
}

// The enumerations of the contact objects.
var (
	AddressTypes = []string{"HOME", "BUSINESS", "POBOX", "CUSTOM1", "CUSTOM2", "CUSTOM3", "CUSTOM4", "CUSTOM5"}
	EmailTypes   = []string{"PERSONAL", "BUSINESS", "CUSTOM1", "CUSTOM2", "CUSTOM3", "CUSTOM4", "CUSTOM5"}
	PhoneTypes   = []string{"LANDLINE", "MOBILE", "FAX", "CUSTOM1", "CUSTOM2", "CUSTOM3", "CUSTOM4", "CUSTOM5"}
)

// maxText bounds free-text fields of contact objects.
const maxText = 255

// checkText refuses over-long text and control characters.
func checkText(param, s string) error {
	if len(s) > maxText {
		return Invalid(param, "at most 255 characters")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Invalid(param, "control characters are not allowed")
		}
	}
	return nil
}

func checkEnum(param, v string, allowed []string) error {
	if v == "" {
		return Missing(param)
	}
	if !slices.Contains(allowed, v) {
		return Invalid(param, "one of "+strings.Join(allowed, ", "))
	}
	return nil
}

// Validate checks a customer's names and contact objects.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, ONLY_ONE_SEMI_OPTIONAL_ALLOWED.
func (c NetflixCustomer) Validate() error {
	if err := checkText("customer_first_name", c.FirstName); err != nil {
		return err
	}
	if err := checkText("customer_last_name", c.LastName); err != nil {
		return err
	}
	if c.Address != nil {
		if err := c.Address.Validate("customer_address"); err != nil {
			return err
		}
	}
	if c.Email != nil {
		if err := c.Email.Validate("customer_email"); err != nil {
			return err
		}
	}
	if c.Phone != nil {
		if err := c.Phone.Validate("customer_phone"); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks an address given as parameter param.
func (a Address) Validate(param string) error {
	if err := checkEnum(param+".type", a.Type, AddressTypes); err != nil {
		return err
	}
	if strings.TrimSpace(a.StreetName) == "" && strings.TrimSpace(a.AddressLine1) == "" {
		return &Error{Code: MandatoryParameterMissing, Message: "Mandatory parameter missing",
			Detail: param + ": street_name (CRM.COM format) or address_line_1 (international format) is required"}
	}
	if a.Floor != nil && (*a.Floor < -10 || *a.Floor > 300) {
		return Invalid(param+".floor", "not a plausible floor")
	}
	texts := map[string]string{
		"postal_code": a.PostalCode, "street_name": a.StreetName, "street_number": a.StreetNumber,
		"apartment_number": a.ApartmentNumber, "area": a.Area, "town_city": a.TownCity, "district": a.District,
		"municipality": a.Municipality, "address_line_1": a.AddressLine1, "address_line_2": a.AddressLine2,
		"state_province_county": a.StateProvinceCounty, "po_box": a.POBox, "po_box_postal_code": a.POBoxPostalCode,
		"care_of": a.CareOf, "notes": a.Notes,
	}
	if err := checkTexts(param, texts); err != nil {
		return err
	}
	if err := checkCountry(param+".country_identifier", a.CountryIdentifier); err != nil {
		return err
	}
	return udfs{[]string{a.UDFString1, a.UDFString2, a.UDFString3, a.UDFString4, a.UDFString5, a.UDFString6,
		a.UDFString7, a.UDFString8, a.UDFString9, a.UDFString10},
		[]json.Number{a.UDFFloat1, a.UDFFloat2, a.UDFFloat3, a.UDFFloat4},
		[]string{a.UDFDate1, a.UDFDate2, a.UDFDate3, a.UDFDate4}}.validate(param)
}

// Validate checks an email given as parameter param.
func (e Email) Validate(param string) error {
	if err := checkEnum(param+".type", e.Type, EmailTypes); err != nil {
		return err
	}
	if e.EmailAddress == "" {
		return Missing(param + ".email_address")
	}
	addr, err := mail.ParseAddress(e.EmailAddress)
	if err != nil || addr.Address != e.EmailAddress || addr.Name != "" || len(e.EmailAddress) > 254 {
		return Invalid(param+".email_address", "not an email address")
	}
	if err := checkText(param+".notes", e.Notes); err != nil {
		return err
	}
	return udfs{[]string{e.UDFString1, e.UDFString2, e.UDFString3, e.UDFString4, e.UDFString5, e.UDFString6,
		e.UDFString7, e.UDFString8},
		[]json.Number{e.UDFFloat1, e.UDFFloat2, e.UDFFloat3, e.UDFFloat4},
		[]string{e.UDFDate1, e.UDFDate2, e.UDFDate3, e.UDFDate4}}.validate(param)
}

// Validate checks a phone given as parameter param.
func (p Phone) Validate(param string) error {
	if err := checkEnum(param+".type", p.Type, PhoneTypes); err != nil {
		return err
	}
	if p.Number == "" {
		return Missing(param + ".number")
	}
	if !phoneLike(p.Number, 3, 20) {
		return Invalid(param+".number", "3 to 20 digits, optionally with spaces, +, -, ( and )")
	}
	if p.AreaCode != "" && !phoneLike(p.AreaCode, 1, 6) {
		return Invalid(param+".area_code", "1 to 6 digits")
	}
	if err := checkText(param+".notes", p.Notes); err != nil {
		return err
	}
	if err := checkCountry(param+".country_identifier", p.CountryIdentifier); err != nil {
		return err
	}
	return udfs{[]string{p.UDFString1, p.UDFString2, p.UDFString3, p.UDFString4, p.UDFString5, p.UDFString6,
		p.UDFString7, p.UDFString8},
		[]json.Number{p.UDFFloat1, p.UDFFloat2, p.UDFFloat3, p.UDFFloat4},
		[]string{p.UDFDate1, p.UDFDate2, p.UDFDate3, p.UDFDate4}}.validate(param)
}

// phoneLike accepts digits with the usual separators, counting the digits.
func phoneLike(s string, minDigits, maxDigits int) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= minDigits && digits <= maxDigits
}

// countryFields are the fields of a country identifier.
var countryFields = []string{"id", "name", "alternative_code", "two_character_code", "three_character_code"}

func checkCountry(param string, id map[string]string) error {
	if id == nil {
		return nil
	}
	if len(id) == 0 {
		return &Error{Code: MandatoryParameterMissing, Message: "Mandatory parameter missing",
			Detail: param + ": one of " + strings.Join(countryFields, ", ") + " is required"}
	}
	if len(id) > 1 {
		keys := make([]string, 0, len(id))
		for k := range id {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return &Error{Code: OnlyOneSemiOptionalAllowed, Message: "Only one semi-optional parameter allowed",
			Detail: param + ": give only one of " + strings.Join(keys, ", ")}
	}
	for k, v := range id {
		if !slices.Contains(countryFields, k) {
			return Invalid(param+"."+k, "unknown identifier field; use one of "+strings.Join(countryFields, ", "))
		}
		if strings.TrimSpace(v) == "" {
			return Invalid(param+"."+k, "empty value")
		}
		switch k {
		case "two_character_code":
			if !letters(v, 2) {
				return Invalid(param+"."+k, "two letters (ISO 3166-1 alpha-2)")
			}
		case "three_character_code":
			if !letters(v, 3) {
				return Invalid(param+"."+k, "three letters (ISO 3166-1 alpha-3)")
			}
		default:
			if err := checkText(param+"."+k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func letters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

func checkTexts(param string, texts map[string]string) error {
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := checkText(param+"."+k, texts[k]); err != nil {
			return err
		}
	}
	return nil
}

// udfs are the user-defined fields of a contact object, in order. Floats
// stay decimal text (json.Number), so nothing passes through a float.
type udfs struct {
	strings []string
	floats  []json.Number
	dates   []string
}

func (u udfs) validate(param string) error {
	for i, s := range u.strings {
		if err := checkText(fmt.Sprintf("%s.udf_string_%d", param, i+1), s); err != nil {
			return err
		}
	}
	for i, f := range u.floats {
		if f == "" {
			continue
		}
		if _, err := ParseAmount(string(f)); err != nil {
			return Invalid(fmt.Sprintf("%s.udf_float_%d", param, i+1), "a decimal number with at most 4 decimals")
		}
	}
	for i, d := range u.dates {
		if d != "" && !wireDate(d) {
			return Invalid(fmt.Sprintf("%s.udf_date_%d", param, i+1), "not a date-time YYYY-MM-DDTHH:MM:SS")
		}
	}
	return nil
}

// wireDate tells whether s is a date as the wire accepts it: a date-time
// without zone, with an offset or Z, with or without fractional seconds,
// or a plain date.
func wireDate(s string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}
