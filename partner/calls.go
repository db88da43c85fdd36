package partner

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// CreateSignup creates a sign-up: a new account in PENDING_SIGNUP and the
// token its customer redeems. opID is the idempotency key: repeating it
// with the same request returns the same sign-up.
func (c *Client) CreateSignup(ctx context.Context, operator, opID string, req SignupRequest) (Signup, error) {
	var out Signup
	err := c.do(ctx, &call{op: "create_signup", method: http.MethodPost, path: "/signups", operator: operator, opID: opID, body: req, out: &out})
	return out, err
}

// GetAccount returns the account with the given PAI.
func (c *Client) GetAccount(ctx context.Context, operator, pai string) (Account, error) {
	if pai == "" {
		return Account{}, &Error{Code: CodeInvalidRequest, Message: "pai is required"}
	}
	var out Account
	err := c.do(ctx, &call{op: "get_account", method: http.MethodGet, path: accountPath(pai, ""), operator: operator, out: &out})
	return out, err
}

// Suspend suspends an EFFECTIVE account; suspending a SUSPENDED one
// succeeds without change. seq is the account's operation sequence.
func (c *Client) Suspend(ctx context.Context, operator, pai, opID string, seq int64) (Account, error) {
	return c.accountAction(ctx, operator, pai, "suspend", opID, seq)
}

// Reactivate puts a SUSPENDED account back in service; reactivating an
// EFFECTIVE one succeeds without change.
func (c *Client) Reactivate(ctx context.Context, operator, pai, opID string, seq int64) (Account, error) {
	return c.accountAction(ctx, operator, pai, "reactivate", opID, seq)
}

// Terminate terminates an account for good; terminating a TERMINATED one
// succeeds without change.
func (c *Client) Terminate(ctx context.Context, operator, pai, opID string, seq int64) (Account, error) {
	return c.accountAction(ctx, operator, pai, "terminate", opID, seq)
}

func (c *Client) accountAction(ctx context.Context, operator, pai, action, opID string, seq int64) (Account, error) {
	if pai == "" {
		return Account{}, &Error{Code: CodeInvalidRequest, Message: "pai is required"}
	}
	if seq <= 0 {
		return Account{}, &Error{Code: CodeInvalidRequest, Message: "operation sequence must be positive"}
	}
	var out Account
	err := c.do(ctx, &call{op: action + "_account", method: http.MethodPost, path: accountPath(pai, action), operator: operator,
		opID: opID, seq: seq, out: &out})
	return out, err
}

// ListPromotions returns the promotions that a sign-up for offer in country
// may carry; empty offer or country lists the partner's defaults.
func (c *Client) ListPromotions(ctx context.Context, operator, offer, country string) ([]Promotion, error) {
	var out Promotions
	err := c.do(ctx, &call{op: "list_promotions", method: http.MethodGet, path: "/promotions", query: catalogQuery(offer, country),
		operator: operator, out: &out})
	return out.Promotions, err
}

// ListPrices returns the prices of offer in country.
func (c *Client) ListPrices(ctx context.Context, operator, offer, country string) ([]Price, error) {
	var out Prices
	err := c.do(ctx, &call{op: "list_prices", method: http.MethodGet, path: "/prices", query: catalogQuery(offer, country),
		operator: operator, out: &out})
	return out.Prices, err
}

// Charges reads the charges feed from cursor ("" for the beginning), at
// most limit entries (0 for the partner's default). Reading again from the
// same cursor returns the same entries, so the caller may store the cursor
// only after it has stored the entries.
func (c *Client) Charges(ctx context.Context, operator, cursor string, limit int) (ChargesPage, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out ChargesPage
	err := c.do(ctx, &call{op: "read_charges", method: http.MethodGet, path: "/charges", query: q, operator: operator, out: &out})
	if err == nil && out.NextCursor == "" {
		out.NextCursor = cursor
	}
	return out, err
}

// AcceptCharge settles a PENDING charge as APPROVED before the partner
// processes it; accepting an APPROVED charge succeeds without change.
func (c *Client) AcceptCharge(ctx context.Context, operator, chargeID, opID string) (Charge, error) {
	return c.chargeAction(ctx, operator, chargeID, "accept", opID)
}

// DeclineCharge settles a PENDING charge as DECLINED, which terminates its
// account; declining a DECLINED charge succeeds without change.
func (c *Client) DeclineCharge(ctx context.Context, operator, chargeID, opID string) (Charge, error) {
	return c.chargeAction(ctx, operator, chargeID, "decline", opID)
}

func (c *Client) chargeAction(ctx context.Context, operator, chargeID, action, opID string) (Charge, error) {
	if chargeID == "" {
		return Charge{}, &Error{Code: CodeInvalidRequest, Message: "charge id is required"}
	}
	var out Charge
	err := c.do(ctx, &call{op: action + "_charge", method: http.MethodPost, path: "/charges/" + url.PathEscape(chargeID) + "/" + action,
		operator: operator, opID: opID, out: &out})
	return out, err
}

func accountPath(pai, action string) string {
	p := "/accounts/" + url.PathEscape(pai)
	if action != "" {
		p += "/" + action
	}
	return p
}

func catalogQuery(offer, country string) url.Values {
	q := url.Values{}
	if offer != "" {
		q.Set("offer", offer)
	}
	if country != "" {
		q.Set("country", country)
	}
	return q
}
