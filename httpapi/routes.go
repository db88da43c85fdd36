package httpapi

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

	s.add("POST", "webhooks/endpoints/create", admin, s.createEndpoint)
	s.add("GET", "webhooks/endpoints/list", admin, s.listEndpoints)
	s.add("POST", "webhooks/endpoints/update", admin, s.updateEndpoint)
	s.add("POST", "webhooks/endpoints/delete", admin, s.deleteEndpoint)
	s.add("GET", "webhooks/deliveries/list", admin, s.listDeliveries)
	s.add("GET", "events/list", admin, s.listEvents)
	s.add("GET", "events/show", admin, s.showEvent)
	s.add("POST", "events/redeliver", admin, s.redeliverEvent)
}
