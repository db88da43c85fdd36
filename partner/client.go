package partner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ClientConfig configures a Client. Zero values take the defaults given.
type ClientConfig struct {
	// BaseURL is the partner's root URL; PathPrefix is appended (a
	// BaseURL that already ends with it is accepted too).
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>".
	APIKey string
	// Timeout bounds each attempt (default 2s).
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one call (default 4).
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape the exponential backoff with full
	// jitter between attempts (defaults 100ms and 2s).
	BaseBackoff, MaxBackoff time.Duration
	// HTTPClient sends the requests (default: a client of its own).
	HTTPClient *http.Client
	// Breaker configures the circuit breaker.
	Breaker BreakerConfig
	// Observer, when set, is told of every attempt (metrics).
	Observer Observer
}

// Observer is told of each attempt the client makes: the call's operation
// (e.g. "create_signup", "suspend_account", "read_charges"), how long the
// attempt took, and its outcome: "OK", or the error code (one of the
// Code… constants, or whatever code the partner answered with).
// CodeCircuitOpen reports a call refused by the breaker without an
// attempt, with took 0. It is called in the calling goroutine.
type Observer interface {
	ObserveAttempt(op string, took time.Duration, code string)
}

// Client is a partner protocol client. It is safe for concurrent use.
type Client struct {
	base        string
	apiKey      string
	timeout     time.Duration
	maxAttempts int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	hc          *http.Client
	br          *breaker
	obs         Observer
}

// maxAnswer bounds how much of an answer the client reads; the largest
// legitimate answer is a full page of the charges feed.
const maxAnswer = 8 << 20

// NewClient returns a client for the partner at cfg.BaseURL.
func NewClient(cfg ClientConfig) *Client {
	c := &Client{
		base:        strings.TrimSuffix(strings.TrimRight(cfg.BaseURL, "/"), PathPrefix),
		apiKey:      cfg.APIKey,
		timeout:     cfg.Timeout,
		maxAttempts: cfg.MaxAttempts,
		baseBackoff: cfg.BaseBackoff,
		maxBackoff:  cfg.MaxBackoff,
		hc:          cfg.HTTPClient,
		br:          newBreaker(cfg.Breaker),
		obs:         cfg.Observer,
	}
	if c.timeout <= 0 {
		c.timeout = 2 * time.Second
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = 4
	}
	if c.baseBackoff <= 0 {
		c.baseBackoff = 100 * time.Millisecond
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = 2 * time.Second
	}
	if c.maxBackoff < c.baseBackoff {
		c.maxBackoff = c.baseBackoff
	}
	if c.hc == nil {
		// A transport of its own, so that tuning or closing another
		// client's connections never affects the partner's.
		c.hc = &http.Client{}
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			c.hc.Transport = t.Clone()
		}
	}
	return c
}

// BreakerState reports the state of the client's circuit breaker, for
// health reports.
func (c *Client) BreakerState() BreakerState { return c.br.current() }

// call describes one protocol call.
type call struct {
	op       string // the operation's name, for the observer
	method   string
	path     string // below PathPrefix, already escaped
	query    url.Values
	operator string
	opID     string // Idempotency-Key; mutating calls only
	seq      int64  // X-Operation-Sequence when > 0
	body     any
	out      any
}

func (cl *call) mutating() bool { return cl.method != http.MethodGet }

// do runs a call with retries. Every attempt carries the same idempotency
// key, which is what makes retrying a mutating call safe.
func (c *Client) do(ctx context.Context, cl *call) error {
	if cl.operator == "" {
		return &Error{Code: CodeInvalidRequest, Message: "operator is required"}
	}
	if cl.mutating() && cl.opID == "" {
		return &Error{Code: CodeInvalidRequest, Message: "operation id (idempotency key) is required"}
	}
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return &Error{Code: CodeInvalidRequest, Message: "cannot encode request", Err: err}
		}
	}
	unknown := false
	for attempt := 1; ; attempt++ {
		if !c.br.allow() {
			c.observe(cl.op, 0, CodeCircuitOpen)
			return &Error{Code: CodeCircuitOpen, Message: "circuit breaker open; not calling the partner",
				Retryable: true, UnknownOutcome: unknown, Attempts: attempt - 1, Err: ErrCircuitOpen}
		}
		start := time.Now()
		r := c.attempt(ctx, cl, body)
		if r.err == nil {
			c.observe(cl.op, time.Since(start), "OK")
		} else {
			c.observe(cl.op, time.Since(start), r.err.Code)
		}
		switch {
		case r.abandoned:
			c.br.abandon()
		default:
			c.br.done(!r.partnerFailed)
		}
		if r.err == nil {
			return nil
		}
		e := r.err
		e.Attempts = attempt
		if r.definitive {
			// A definitive refusal also settles the earlier attempts: had
			// one been applied, this one would have replayed its answer.
			e.UnknownOutcome = false
		} else {
			unknown = unknown || e.UnknownOutcome
			e.UnknownOutcome = unknown
		}
		if !e.Retryable || attempt >= c.maxAttempts || ctx.Err() != nil {
			return e
		}
		if err := sleep(ctx, c.backoff(attempt, r.retryAfter)); err != nil {
			return &Error{Code: ctxCode(err), Message: "gave up waiting to retry", Retryable: true,
				UnknownOutcome: unknown, Attempts: attempt, Err: err}
		}
	}
}

func (c *Client) observe(op string, took time.Duration, code string) {
	if c.obs != nil {
		c.obs.ObserveAttempt(op, took, code)
	}
}

// attemptResult is what one attempt tells the retry loop and the breaker.
type attemptResult struct {
	err           *Error
	definitive    bool // the partner refused the call for good
	partnerFailed bool // counts against the breaker
	abandoned     bool // the caller gave up: says nothing about the partner
	retryAfter    time.Duration
}

func (c *Client) attempt(ctx context.Context, cl *call, body []byte) attemptResult {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// Whether the request was fully written decides whether a failed
	// mutating call may have been applied.
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	u := c.base + PathPrefix + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u, rd)
	if err != nil {
		return attemptResult{err: &Error{Code: CodeInvalidRequest, Message: "cannot build request", Err: err}, definitive: true}
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set(HeaderOperator, cl.operator)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.mutating() {
		req.Header.Set(HeaderIdempotencyKey, cl.opID)
	}
	if cl.seq > 0 {
		req.Header.Set(HeaderOperationSequence, strconv.FormatInt(cl.seq, 10))
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportFailure(ctx, actx, err, cl.mutating() && wrote.Load())
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		// Headers arrived, so the partner handled the request; a success
		// whose body was lost is as unknown as a lost answer.
		return c.transportFailure(ctx, actx, err, cl.mutating())
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if cl.out != nil {
			if err := json.Unmarshal(data, cl.out); err != nil {
				return attemptResult{err: &Error{Code: CodeBadResponse, Message: "undecodable answer",
					Status: resp.StatusCode, Retryable: true, UnknownOutcome: cl.mutating(), Err: err}, partnerFailed: true}
			}
		}
		return attemptResult{}
	}
	return errorAnswer(resp, data, cl.mutating())
}

// transportFailure classifies an attempt that got no complete answer.
func (c *Client) transportFailure(ctx, actx context.Context, err error, maybeApplied bool) attemptResult {
	e := &Error{Retryable: true, UnknownOutcome: maybeApplied, Err: err}
	switch {
	case ctx.Err() != nil:
		e.Code, e.Message, e.Err = ctxCode(ctx.Err()), "caller gave up", ctx.Err()
		return attemptResult{err: e, abandoned: true}
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		e.Code, e.Message = CodeTimeout, "no answer within "+c.timeout.String()
	default:
		e.Code = CodeNetwork
	}
	return attemptResult{err: e, partnerFailed: true}
}

// errorAnswer turns a non-2xx answer into an attempt result.
func errorAnswer(resp *http.Response, data []byte, mutating bool) attemptResult {
	status := resp.StatusCode
	var body ErrorResponse
	e := &Error{Status: status}
	if json.Unmarshal(data, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message, e.Retryable = body.Error.Code, body.Error.Message, body.Error.Retryable
	} else {
		e.Code, e.Message = codeForStatus(status), strings.TrimSpace(string(truncate(data, 200)))
	}
	if status >= 500 || status == http.StatusTooManyRequests {
		e.Retryable = true
	}
	r := attemptResult{err: e, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"))}
	switch {
	case status >= 500:
		r.partnerFailed = true
		// UNAVAILABLE promises the call was not applied; any other 5xx
		// (including one from a proxy in between) promises nothing.
		e.UnknownOutcome = mutating && e.Code != CodeUnavailable
	case status == http.StatusTooManyRequests:
	default:
		r.definitive = !e.Retryable
	}
	return r
}

func codeForStatus(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return CodeUnauthorized
	case status == http.StatusNotFound:
		return CodeNotFound
	case status == http.StatusTooManyRequests:
		return CodeRateLimited
	case status >= 500:
		return CodeInternal
	}
	return CodeInvalidRequest
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

func ctxCode(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return CodeTimeout
	}
	return CodeCanceled
}

// backoff returns the wait before the attempt after attempt: full jitter
// over an exponentially growing window, so that many clients retrying
// after one outage spread out; a Retry-After hint is honoured up to
// MaxBackoff.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	window := c.maxBackoff
	if attempt-1 < 30 {
		if w := c.baseBackoff << (attempt - 1); w > 0 && w < window {
			window = w
		}
	}
	d := time.Duration(rand.Int64N(int64(window) + 1))
	if retryAfter > d {
		d = min(retryAfter, c.maxBackoff)
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
