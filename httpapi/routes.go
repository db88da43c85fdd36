package httpapi

import "github.com/crmapi/crmapi"

// registerRoutes is the route table: every API method, in one place.
func (s *Server) registerRoutes() {
	s.add("POST", "authentication/token", public, s.login)
	s.add("POST", "authentication/token/release", authenticated, s.releaseToken)
	s.add("POST", "authentication/web_api_key/token", public, s.loginWithAPIKey)

	s.add("GET", "admin/units/list", admin, s.listUnits)
	s.add("POST", "admin/units/create", admin, s.createUnit)
	s.add("GET", "admin/users/list", admin, s.listUsers)
	s.add("POST", "admin/users/create", admin, s.createUser)
	s.add("POST", "admin/users/update", admin, s.updateUser)
	s.add("GET", "admin/web_api_keys/list", admin, s.listAPIKeys)
	s.add("POST", "admin/web_api_keys/create", admin, s.createAPIKey)
	s.add("POST", "admin/web_api_keys/revoke", admin, s.revokeAPIKey)

	s.documentAuth()
}

// documentAuth describes the login and admin methods for the OpenAPI document.
func (s *Server) documentAuth() {
	param := []crmapi.Code{crmapi.MandatoryParameterMissing, crmapi.InvalidParameter, crmapi.RequestTooLarge}
	authed := append([]crmapi.Code{crmapi.InvalidToken, crmapi.ExpiredToken}, param...)
	adm := append([]crmapi.Code{crmapi.PermissionDenied}, authed...)
	s.document("authentication/token", methodDoc{Summary: "Log in with a username and password; returns a token (HS256 JWT, 2 h).",
		Response: tokenData{}, Errors: append([]crmapi.Code{crmapi.AuthenticationFailed, crmapi.RateLimited}, param...)})
	s.document("authentication/token/release", methodDoc{Summary: "Release the token: it is refused from then on.", Errors: authed})
	s.document("authentication/web_api_key/token", methodDoc{Summary: "Log in with a web API key sent as the HTTP Basic user name.",
		Response: tokenData{}, Errors: append([]crmapi.Code{crmapi.AuthenticationFailed, crmapi.RateLimited}, param...)})
	s.document("admin/units/list", methodDoc{Summary: "List the organisation's units (admin).", Response: []unitView{}, Errors: adm})
	s.document("admin/units/create", methodDoc{Summary: "Add a unit (admin).", Response: unitView{}, Errors: append([]crmapi.Code{crmapi.Conflict}, adm...)})
	s.document("admin/users/list", methodDoc{Summary: "List the organisation's users (admin).", Response: []userView{}, Errors: adm})
	s.document("admin/users/create", methodDoc{Summary: "Add a user (admin).", Response: userView{}, Errors: append([]crmapi.Code{crmapi.Conflict}, adm...)})
	s.document("admin/users/update", methodDoc{Summary: "Change a user's password, unit, admin flag or disabled flag (admin).", Response: userView{},
		Errors: append([]crmapi.Code{crmapi.NotFound}, adm...)})
	s.document("admin/web_api_keys/list", methodDoc{Summary: "List web API keys, never their secrets (admin).", Response: []apiKeyView{}, Errors: adm})
	s.document("admin/web_api_keys/create", methodDoc{Summary: "Make a web API key; its secret is in this answer only (admin).", Response: apiKeyView{},
		Errors: append([]crmapi.Code{crmapi.NotFound}, adm...)})
	s.document("admin/web_api_keys/revoke", methodDoc{Summary: "Revoke a web API key (admin).", Errors: append([]crmapi.Code{crmapi.NotFound}, adm...)})
}
