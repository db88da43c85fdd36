package client

// Identifier names one entity as CRM.COM's identifier objects do: one
// field and its value, e.g. {"number": "ACR0000000001"}. Which fields an
// entity accepts is listed at each method (an account: id, number or
// name; an authorisation: id or authorisation_id; a usage service: id,
// code or alternative_code).
type Identifier map[string]string

// ByID names an entity by its 32-hex id.
func ByID(id string) Identifier { return Identifier{"id": id} }

// ByNumber names an account or subscription by its business number (ACR…, SUB…).
func ByNumber(number string) Identifier { return Identifier{"number": number} }

// ByName names an entity by its name.
func ByName(name string) Identifier { return Identifier{"name": name} }

// ByCode names a usage service or product family by its code.
func ByCode(code string) Identifier { return Identifier{"code": code} }

// ByAlternativeCode names a usage service, product type or UDR type by its alternative code.
func ByAlternativeCode(code string) Identifier { return Identifier{"alternative_code": code} }

// ByAuthorisationID names a usage authorisation by its number (UA…).
func ByAuthorisationID(number string) Identifier { return Identifier{"authorisation_id": number} }
