package httpapi

import (
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// The admin methods manage the caller's own organisation; only admin
// users may call them. They follow the CRM.COM wire conventions.

type unitView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	CreatedDate string `json:"created_date"`
}

func viewUnit(u crmapi.Unit, loc *time.Location) unitView {
	return unitView{ID: u.ID, Name: u.Name, CreatedDate: formatDate(u.CreatedAt, loc)}
}

type userView struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	UnitID      string `json:"unit_id"`
	Admin       bool   `json:"admin"`
	Disabled    bool   `json:"disabled"`
	CreatedDate string `json:"created_date"`
}

func viewUser(u crmapi.User, loc *time.Location) userView {
	return userView{ID: u.ID, Username: u.Username, UnitID: u.UnitID, Admin: u.Admin, Disabled: u.Disabled,
		CreatedDate: formatDate(u.CreatedAt, loc)}
}

type apiKeyView struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	UserID      string  `json:"user_id"`
	UnitID      string  `json:"unit_id"`
	CreatedDate string  `json:"created_date"`
	RevokedDate *string `json:"revoked_date"`
	// Key is the secret, present only in the answer to create.
	Key string `json:"key,omitempty"`
}

func viewAPIKey(k crmapi.WebAPIKey, loc *time.Location) apiKeyView {
	return apiKeyView{ID: k.ID, Name: k.Name, UserID: k.UserID, UnitID: k.UnitID,
		CreatedDate: formatDate(k.CreatedAt, loc), RevokedDate: formatDatePtr(k.RevokedAt, loc)}
}

func mapViews[T, V any](in []T, loc *time.Location, f func(T, *time.Location) V) []V {
	out := make([]V, 0, len(in))
	for _, x := range in {
		out = append(out, f(x, loc))
	}
	return out
}

func (s *Server) listUnits(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	units, err := s.svc.Auth.Units(req.ctx(), req.caller.Organisation.ID)
	return mapViews(units, req.loc(), viewUnit), err
}

func (s *Server) createUnit(req *request) (any, error) {
	var p struct {
		Name string `json:"name" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	u, err := s.svc.Auth.CreateUnit(req.ctx(), req.caller.Organisation.ID, p.Name)
	return viewUnit(u, req.loc()), err
}

func (s *Server) listUsers(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	users, err := s.svc.Auth.Users(req.ctx(), req.caller.Organisation.ID)
	return mapViews(users, req.loc(), viewUser), err
}

func (s *Server) createUser(req *request) (any, error) {
	var p struct {
		Username string `json:"username" crm:"mandatory"`
		Password string `json:"password" crm:"mandatory"`
		Unit     string `json:"unit"`
		Admin    bool   `json:"admin"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	u, err := s.svc.Auth.CreateUser(req.ctx(), req.caller.Organisation.ID,
		service.NewUser{Username: p.Username, Password: p.Password, Unit: p.Unit, Admin: p.Admin})
	if err != nil {
		return nil, err
	}
	return viewUser(u, req.loc()), nil
}

func (s *Server) updateUser(req *request) (any, error) {
	var p struct {
		Username string  `json:"username" crm:"mandatory"`
		Password *string `json:"password"`
		Unit     *string `json:"unit"`
		Admin    *bool   `json:"admin"`
		Disabled *bool   `json:"disabled"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	if p.Disabled != nil && *p.Disabled && req.caller.User.Username == p.Username {
		return nil, crmapi.Invalid("disabled", "you cannot disable yourself")
	}
	u, err := s.svc.Auth.UpdateUser(req.ctx(), req.caller.Organisation.ID, p.Username,
		service.UserChange{Password: p.Password, Admin: p.Admin, Disabled: p.Disabled, Unit: p.Unit})
	if err != nil {
		return nil, err
	}
	return viewUser(u, req.loc()), nil
}

func (s *Server) listAPIKeys(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	keys, err := s.svc.Auth.APIKeys(req.ctx(), req.caller.Organisation.ID)
	return mapViews(keys, req.loc(), viewAPIKey), err
}

func (s *Server) createAPIKey(req *request) (any, error) {
	var p struct {
		Name     string `json:"name" crm:"mandatory"`
		Username string `json:"username"`
		Unit     string `json:"unit"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	if p.Username == "" {
		p.Username = req.caller.User.Username
	}
	k, secret, err := s.svc.Auth.CreateAPIKey(req.ctx(), req.caller.Organisation.ID,
		service.NewAPIKey{Name: p.Name, Username: p.Username, Unit: p.Unit})
	if err != nil {
		return nil, err
	}
	v := viewAPIKey(k, req.loc())
	v.Key = secret
	return v, nil
}

func (s *Server) revokeAPIKey(req *request) (any, error) {
	var p struct {
		ID string `json:"id" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	return nil, s.svc.Auth.RevokeAPIKey(req.ctx(), req.caller.Organisation.ID, p.ID)
}
