package httpapi

import (
	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

type tokenData struct {
	Token string `json:"token"`
}

// login is POST authentication/token.
func (s *Server) login(req *request) (any, error) {
	var p struct {
		Username     string `json:"username" crm:"mandatory"`
		Password     string `json:"password" crm:"mandatory"`
		Organisation string `json:"organisation" crm:"mandatory"`
		Unit         string `json:"unit"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	token, err := s.svc.Auth.Login(req.ctx(), service.Login{Username: p.Username, Password: p.Password,
		Organisation: p.Organisation, Unit: p.Unit, Client: clientAddr(req.r)})
	if err != nil {
		return nil, err
	}
	return tokenData{Token: token}, nil
}

// releaseToken is POST authentication/token/release.
func (s *Server) releaseToken(req *request) (any, error) {
	var p struct{}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	return nil, s.svc.Auth.Release(req.ctx(), req.caller)
}

// loginWithAPIKey is POST authentication/web_api_key/token: the key is
// the HTTP Basic user name, the password empty.
func (s *Server) loginWithAPIKey(req *request) (any, error) {
	var p struct {
		Unit string `json:"unit"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	key, _, ok := req.r.BasicAuth()
	if !ok || key == "" {
		return nil, crmapi.Errorf(crmapi.AuthenticationFailed, "Authentication failed", "send the web API key as the HTTP Basic user name")
	}
	token, err := s.svc.Auth.LoginWithAPIKey(req.ctx(), key, p.Unit, clientAddr(req.r))
	if err != nil {
		return nil, err
	}
	return tokenData{Token: token}, nil
}
