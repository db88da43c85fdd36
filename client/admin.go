package client

import "context"

// Unit is an organisation's unit.
type Unit struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	CreatedDate string `json:"created_date"`
}

// User is a user of the caller's organisation.
type User struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	UnitID      string `json:"unit_id"`
	Admin       bool   `json:"admin"`
	Disabled    bool   `json:"disabled"`
	CreatedDate string `json:"created_date"`
}

// APIKey is a web API key; Key is set only in CreateAPIKey's answer.
type APIKey struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	UserID      string  `json:"user_id"`
	UnitID      string  `json:"unit_id"`
	CreatedDate string  `json:"created_date"`
	RevokedDate *string `json:"revoked_date"`
	Key         string  `json:"key,omitempty"`
}

// Units lists the organisation's units (admin).
func (c *Client) Units(ctx context.Context) ([]Unit, error) {
	var out []Unit
	return out, c.Call(ctx, "admin/units/list", nil, &out)
}

// CreateUnit adds a unit (admin).
func (c *Client) CreateUnit(ctx context.Context, name string, opts ...CallOption) (Unit, error) {
	var out Unit
	return out, c.Call(ctx, "admin/units/create", map[string]any{"name": name}, &out, opts...)
}

// NewUser is a user to create.
type NewUser struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Unit     string `json:"unit,omitempty"`
	Admin    bool   `json:"admin,omitempty"`
}

// Users lists the organisation's users (admin).
func (c *Client) Users(ctx context.Context) ([]User, error) {
	var out []User
	return out, c.Call(ctx, "admin/users/list", nil, &out)
}

// CreateUser adds a user (admin).
func (c *Client) CreateUser(ctx context.Context, u NewUser, opts ...CallOption) (User, error) {
	var out User
	return out, c.Call(ctx, "admin/users/create", u, &out, opts...)
}

// UserChange is a patch of a user; nil fields stay as they are.
type UserChange struct {
	Username string  `json:"username"`
	Password *string `json:"password,omitempty"`
	Unit     *string `json:"unit,omitempty"`
	Admin    *bool   `json:"admin,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

// UpdateUser patches a user (admin).
func (c *Client) UpdateUser(ctx context.Context, ch UserChange, opts ...CallOption) (User, error) {
	var out User
	return out, c.Call(ctx, "admin/users/update", ch, &out, opts...)
}

// APIKeys lists the organisation's web API keys (admin).
func (c *Client) APIKeys(ctx context.Context) ([]APIKey, error) {
	var out []APIKey
	return out, c.Call(ctx, "admin/web_api_keys/list", nil, &out)
}

// CreateAPIKey makes a web API key acting as username ("" for the caller).
func (c *Client) CreateAPIKey(ctx context.Context, name, username string, opts ...CallOption) (APIKey, error) {
	var out APIKey
	p := map[string]any{"name": name}
	if username != "" {
		p["username"] = username
	}
	return out, c.Call(ctx, "admin/web_api_keys/create", p, &out, opts...)
}

// RevokeAPIKey revokes a web API key (admin).
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	return c.Call(ctx, "admin/web_api_keys/revoke", map[string]any{"id": id}, nil)
}

// TestClock is a test organisation's clock.
type TestClock struct {
	TestOrganisation bool   `json:"test_organisation"`
	Now              string `json:"now"`
	OffsetSeconds    int64  `json:"offset_seconds"`
}

// ShowTestClock shows the organisation's clock (admin).
func (c *Client) ShowTestClock(ctx context.Context) (TestClock, error) {
	var out TestClock
	return out, c.Call(ctx, "test_clock/show", nil, &out)
}

// AdvanceTestClock moves a test organisation's clock forward (admin).
func (c *Client) AdvanceTestClock(ctx context.Context, seconds int64) (TestClock, error) {
	var out TestClock
	return out, c.Call(ctx, "test_clock/advance", map[string]any{"seconds": seconds}, &out)
}
