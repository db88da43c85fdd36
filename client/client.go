// Package client is the Go SDK of crmapi: typed calls to every API method
// over the CRM.COM v2 wire format, token handling (login, renewal before
// expiry), Idempotency-Key support and typed errors carrying the CRM.COM
// status code. It depends on the standard library only, so applications
// that call crmapi do not pull in the server's dependencies.
package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Prefix is where the API methods live.
const Prefix = "/crmapi/rest/v2/"

// Error is an answer whose status code is not OK.
type Error struct {
	// Code is the CRM.COM status code, e.g. INSUFFICIENT_FUNDS.
	Code        string
	Message     string
	Description string
	// HTTPStatus is the HTTP status of the answer.
	HTTPStatus int
	// RetryAfter is set for RATE_LIMITED answers.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Description)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// IsCode tells whether err is an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Credentials log a client in: a username and password, or a web API key.
type Credentials struct {
	Username     string
	Password     string
	Organisation string
	Unit         string
	// APIKey, when set, is used instead of a username and password.
	APIKey string
}

// Client calls one crmapi server. It is safe for concurrent use.
type Client struct {
	baseURL string
	http    *http.Client

	mu       sync.Mutex
	creds    *Credentials
	token    string
	tokenExp time.Time
	// renewBefore is how long before expiry the token is renewed.
	renewBefore time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (timeouts, transport).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithToken starts the client with a token obtained elsewhere.
func WithToken(token string) Option { return func(c *Client) { c.setToken(token) } }

// New returns a client of the server at baseURL (e.g. http://127.0.0.1:8080).
func New(baseURL string, opts ...Option) *Client {
	c := &Client{baseURL: strings.TrimRight(baseURL, "/"), http: &http.Client{Timeout: 30 * time.Second},
		renewBefore: 5 * time.Minute}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Token returns the current token ("" before login).
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// TokenExpiry returns when the current token expires.
func (c *Client) TokenExpiry() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokenExp
}

func (c *Client) setToken(token string) {
	c.token = token
	c.tokenExp = tokenExpiry(token)
}

// tokenExpiry reads the exp claim (a string or number of Unix seconds)
// without verifying the token: the client only needs to know when to renew.
func tokenExpiry(token string) time.Time {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp json.RawMessage `json:"exp"`
	}
	if json.Unmarshal(b, &claims) != nil {
		return time.Time{}
	}
	n, err := strconv.ParseInt(strings.Trim(string(claims.Exp), `"`), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// Login obtains a token and keeps the credentials, so that the token is
// renewed before it expires.
func (c *Client) Login(ctx context.Context, creds Credentials) error {
	token, err := c.login(ctx, creds)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.creds = &creds
	c.setToken(token)
	c.mu.Unlock()
	return nil
}

func (c *Client) login(ctx context.Context, creds Credentials) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	if creds.APIKey != "" {
		params := map[string]any{}
		if creds.Unit != "" {
			params["unit"] = creds.Unit
		}
		err := c.do(ctx, "authentication/web_api_key/token", "", params, &out, callOptions{basicUser: creds.APIKey})
		return out.Token, err
	}
	params := map[string]any{"username": creds.Username, "password": creds.Password, "organisation": creds.Organisation}
	if creds.Unit != "" {
		params["unit"] = creds.Unit
	}
	err := c.do(ctx, "authentication/token", "", params, &out, callOptions{})
	return out.Token, err
}

// Logout releases the token.
func (c *Client) Logout(ctx context.Context) error {
	// The token in hand is released, never a renewed one.
	err := c.do(ctx, "authentication/token/release", c.Token(), nil, nil, callOptions{})
	c.mu.Lock()
	c.token, c.creds = "", nil
	c.mu.Unlock()
	return err
}

// currentToken returns a token, renewing it when it is about to expire.
func (c *Client) currentToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	token, exp, creds := c.token, c.tokenExp, c.creds
	c.mu.Unlock()
	if creds != nil && (token == "" || (!exp.IsZero() && time.Until(exp) < c.renewBefore)) {
		fresh, err := c.login(ctx, *creds)
		if err != nil {
			return "", err
		}
		c.mu.Lock()
		c.setToken(fresh)
		c.mu.Unlock()
		return fresh, nil
	}
	return token, nil
}

// CallOption changes one call.
type CallOption func(*callOptions)

type callOptions struct {
	idempotencyKey string
	fields         []string
	basicUser      string
}

// WithIdempotencyKey sends an Idempotency-Key: retries with the same key
// and parameters never act twice.
func WithIdempotencyKey(key string) CallOption {
	return func(o *callOptions) { o.idempotencyKey = key }
}

// WithFields asks for only these fields (fields_set).
func WithFields(names ...string) CallOption { return func(o *callOptions) { o.fields = names } }

// Call invokes an API method (e.g. "usage_authorisations/create") with
// params (a struct or map encoded as the JSON body) and decodes the
// answer's data into out (may be nil). Every method is called with POST:
// the server accepts POST for its GET methods too. A call refused with
// EXPIRED_TOKEN is sent once more after logging in again, when the client
// keeps credentials (Login).
func (c *Client) Call(ctx context.Context, method string, params, out any, opts ...CallOption) error {
	var o callOptions
	for _, f := range opts {
		f(&o)
	}
	token, err := c.currentToken(ctx)
	if err != nil {
		return err
	}
	err = c.do(ctx, method, token, params, out, o)
	if IsCode(err, "EXPIRED_TOKEN") && c.renew(ctx, token) == nil {
		// The server refused the call before acting on it, so sending it
		// again is safe. A token expires before its exp claim says when a
		// test organisation's clock moves ahead.
		return c.do(ctx, method, c.Token(), params, out, o)
	}
	return err
}

// renew logs in again with the kept credentials, unless another call
// already replaced the expired token.
func (c *Client) renew(ctx context.Context, expired string) error {
	c.mu.Lock()
	creds, current := c.creds, c.token
	c.mu.Unlock()
	if creds == nil {
		return errors.New("client: no credentials to log in again with")
	}
	if current != expired {
		return nil
	}
	fresh, err := c.login(ctx, *creds)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.setToken(fresh)
	c.mu.Unlock()
	return nil
}

func (c *Client) do(ctx context.Context, method, token string, params, out any, o callOptions) error {
	body := map[string]json.RawMessage{}
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("client: encode parameters: %w", err)
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return fmt.Errorf("client: parameters must encode as a JSON object: %w", err)
		}
	}
	if token != "" {
		body["token"], _ = json.Marshal(token)
	}
	if len(o.fields) > 0 {
		body["fields_set"], _ = json.Marshal(o.fields)
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+Prefix+method, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if o.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", o.idempotencyKey)
	}
	if o.basicUser != "" {
		req.SetBasicAuth(o.basicUser, "")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("client: %s: read answer: %w", method, err)
	}
	var env struct {
		Data   json.RawMessage `json:"data"`
		Status struct {
			Code        string `json:"code"`
			Description string `json:"description"`
			Message     string `json:"message"`
		} `json:"status"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Status.Code == "" {
		return &Error{Code: "GENERAL_ERROR", Message: "answer is not a crmapi envelope", HTTPStatus: resp.StatusCode,
			Description: truncate(string(raw), 200)}
	}
	if env.Status.Code != "OK" {
		e := &Error{Code: env.Status.Code, Message: env.Status.Message, Description: env.Status.Description, HTTPStatus: resp.StatusCode}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return fmt.Errorf("client: %s: decode data: %w", method, err)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
