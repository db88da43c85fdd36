package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/golang-jwt/jwt/v5"
)

// AuthService logs callers in, issues and checks tokens, and manages
// organisations, units, users and web API keys.
type AuthService struct {
	store     crmapi.Store
	clock     crmapi.Clock
	key       []byte
	lifetime  time.Duration
	log       *slog.Logger
	byClient  *slidingLimiter
	byAccount *slidingLimiter
	// dummyHash is checked for unknown users so that they cost the same
	// time as a wrong password.
	dummyHash string
	// hashing bounds concurrent Argon2id work (19 MiB each).
	hashing chan struct{}
	cache   *sessionCache
}

func newAuthService(cfg Config) (*AuthService, error) {
	lim := cfg.LoginLimits
	if lim.Window <= 0 {
		lim = DefaultLoginLimits
	}
	dummy, err := HashPassword(crmapi.RandomToken(16))
	if err != nil {
		return nil, err
	}
	return &AuthService{
		store: cfg.Store, clock: cfg.Clock, key: cfg.SigningKey, lifetime: cfg.TokenLifetime, log: cfg.Logger,
		byClient:  newSlidingLimiter(lim.ClientAttempts, lim.Window),
		byAccount: newSlidingLimiter(lim.AccountAttempts, lim.Window),
		dummyHash: dummy,
		hashing:   make(chan struct{}, 4),
		cache:     newSessionCache(),
	}, nil
}

// Login is a username/password login request.
type Login struct {
	Username     string
	Password     string
	Organisation string
	// Unit is optional: a unit id or name; the user's default unit when empty.
	Unit string
	// Client is the caller's network address, for rate limiting.
	Client string
}

var errLoginFailed = &crmapi.Error{Code: crmapi.AuthenticationFailed,
	Message: "Authentication failed", Detail: "unknown organisation, username or password"}

// Login checks the credentials and issues a token.
// Codes: MANDATORY_PARAMETER_MISSING, AUTHENTICATION_FAILED, RATE_LIMITED.
func (s *AuthService) Login(ctx context.Context, l Login) (string, error) {
	for _, p := range []struct{ name, v string }{{"username", l.Username}, {"password", l.Password}, {"organisation", l.Organisation}} {
		if p.v == "" {
			return "", crmapi.Missing(p.name)
		}
	}
	now := s.clock.Now()
	if ok, wait := s.byClient.allow("c:"+l.Client, now); !ok {
		return "", rateLimited(wait)
	}
	accountKey := "a:" + l.Organisation + "\x00" + strings.ToLower(l.Username)
	if ok, wait := s.byAccount.allow(accountKey, now); !ok {
		return "", rateLimited(wait)
	}
	var org crmapi.Organisation
	var user crmapi.User
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		if org, err = tx.OrganisationByName(l.Organisation); err != nil {
			return err
		}
		user, err = tx.UserByUsername(org.ID, l.Username)
		return err
	})
	known := err == nil
	if err != nil && !errors.Is(err, crmapi.ErrNotFound) {
		return "", err
	}
	hash := s.dummyHash
	if known {
		hash = user.PasswordHash
	}
	match, err := s.check(ctx, hash, l.Password)
	if err != nil {
		return "", err
	}
	if !known || !match || user.Disabled {
		return "", errLoginFailed
	}
	s.byAccount.forget(accountKey)
	return s.issue(ctx, org, user, l.Unit)
}

func (s *AuthService) check(ctx context.Context, hash, password string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashing }()
	return checkPassword(hash, password)
}

func rateLimited(wait time.Duration) error {
	// Whole seconds, rounded up: the client must not come back early, nor
	// be told to wait a second longer than the window.
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	return &crmapi.Error{Code: crmapi.RateLimited, Message: "Too many login attempts",
		Detail: fmt.Sprintf("try again in %d seconds", secs), RetryAfter: secs}
}

// LoginWithAPIKey issues a token for the user a web API key acts as.
// Codes: AUTHENTICATION_FAILED, RATE_LIMITED.
func (s *AuthService) LoginWithAPIKey(ctx context.Context, key, unit, client string) (string, error) {
	if ok, wait := s.byClient.allow("c:"+client, s.clock.Now()); !ok {
		return "", rateLimited(wait)
	}
	if key == "" {
		return "", crmapi.Missing("web API key")
	}
	var org crmapi.Organisation
	var user crmapi.User
	var k crmapi.WebAPIKey
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		if k, err = tx.WebAPIKeyByHash(hashAPIKey(key)); err != nil {
			return err
		}
		if org, err = tx.OrganisationByID(k.OrganisationID); err != nil {
			return err
		}
		user, err = tx.UserByID(k.OrganisationID, k.UserID)
		return err
	})
	if errors.Is(err, crmapi.ErrNotFound) || (err == nil && (k.RevokedAt != nil || user.Disabled)) {
		return "", errLoginFailed
	}
	if err != nil {
		return "", err
	}
	if unit == "" {
		unit = k.UnitID
	}
	return s.issue(ctx, org, user, unit)
}

func hashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// issue stores a session and signs its token.
func (s *AuthService) issue(ctx context.Context, org crmapi.Organisation, user crmapi.User, unitRef string) (string, error) {
	// Tokens live on the organisation's clock, so a test organisation's
	// moved clock expires them too.
	now := org.Now(s.clock).Truncate(time.Second)
	var unit crmapi.Unit
	sess := crmapi.Session{ID: crmapi.NewID(), OrganisationID: org.ID, UserID: user.ID,
		IssuedAt: now, ExpiresAt: now.Add(s.lifetime)}
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		unit, err = resolveUnit(tx, org.ID, unitRef, user.UnitID)
		if err != nil {
			return err
		}
		sess.UnitID = unit.ID
		return tx.CreateSession(sess)
	})
	if err != nil {
		return "", err
	}
	iat, exp := unixString(now.Unix()), unixString(sess.ExpiresAt.Unix())
	return signToken(s.key, tokenClaims{Usr: user.Username, Org: org.Name, Oun: unit.Name, Iat: &iat, Exp: &exp, Jti: sess.ID})
}

func resolveUnit(tx crmapi.Tx, orgID, ref, fallback string) (crmapi.Unit, error) {
	if ref == "" {
		return tx.UnitByID(orgID, fallback)
	}
	u, err := tx.UnitByID(orgID, ref)
	if errors.Is(err, crmapi.ErrNotFound) {
		u, err = tx.UnitByName(orgID, ref)
	}
	if errors.Is(err, crmapi.ErrNotFound) {
		return u, crmapi.Errorf(crmapi.InvalidParameter, "Invalid parameter unit", "unit: no unit %q in this organisation", ref)
	}
	return u, err
}

var errInvalidToken = &crmapi.Error{Code: crmapi.InvalidToken, Message: "Invalid token", Detail: "the token is not valid"}

// Authenticate checks a token and returns its caller.
// Codes: INVALID_TOKEN, EXPIRED_TOKEN.
func (s *AuthService) Authenticate(ctx context.Context, token string) (crmapi.Caller, error) {
	if token == "" {
		return crmapi.Caller{}, crmapi.Errorf(crmapi.InvalidToken, "Invalid token", "no token given")
	}
	if len(token) > maxTokenLength {
		return crmapi.Caller{}, errInvalidToken
	}
	now := s.clock.Now()
	c, err := parseToken(s.key, token, now)
	if errors.Is(err, jwt.ErrTokenExpired) {
		// A test organisation's clock only runs ahead: expired now is expired there too.
		return crmapi.Caller{}, errExpiredToken
	}
	if err != nil || c.Jti == "" || c.Org == "" || c.Iat == nil || c.Exp == nil {
		return crmapi.Caller{}, errInvalidToken
	}
	key := cacheKey(c.Org, c.Jti)
	if caller, ok := s.cache.get(key); ok && strings.EqualFold(caller.User.Username, c.Usr) && caller.Unit.Name == c.Oun {
		return caller, checkTimes(c, caller.Organisation.Now(s.clock), caller.ExpiresAt)
	}
	var caller crmapi.Caller
	err = s.store.View(ctx, func(tx crmapi.Tx) error {
		var sess crmapi.Session
		var err error
		if caller, sess, err = tx.SessionCaller(c.Org, c.Jti); err != nil {
			return err
		}
		if sess.ReleasedAt != nil {
			return errInvalidToken
		}
		return nil
	})
	if errors.Is(err, crmapi.ErrNotFound) {
		return crmapi.Caller{}, errInvalidToken
	}
	if err != nil {
		return crmapi.Caller{}, err
	}
	if caller.User.Disabled || !strings.EqualFold(caller.User.Username, c.Usr) || caller.Unit.Name != c.Oun {
		return crmapi.Caller{}, errInvalidToken
	}
	if err := checkTimes(c, caller.Organisation.Now(s.clock), caller.ExpiresAt); err != nil {
		return crmapi.Caller{}, err
	}
	s.cache.put(key, caller)
	return caller, nil
}

var errExpiredToken = &crmapi.Error{Code: crmapi.ExpiredToken, Message: "Expired token", Detail: "log in again"}

// checkTimes checks a token's exp, iat and its session's expiry against
// the organisation's now.
func checkTimes(c tokenClaims, orgNow, sessionExpires time.Time) error {
	if !orgNow.Before(time.Unix(int64(*c.Exp), 0)) || !orgNow.Before(sessionExpires) {
		return errExpiredToken
	}
	if time.Unix(int64(*c.Iat), 0).After(orgNow.Add(time.Minute)) {
		return errInvalidToken
	}
	return nil
}

// Release makes the caller's token unusable.
func (s *AuthService) Release(ctx context.Context, caller crmapi.Caller) error {
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		return tx.ReleaseSession(caller.Organisation.ID, caller.SessionID, caller.Organisation.Now(s.clock))
	})
	s.cache.drop(cacheKey(caller.Organisation.Name, caller.SessionID))
	return err
}

// TokenLifetime returns how long issued tokens live.
func (s *AuthService) TokenLifetime() time.Duration { return s.lifetime }

// PurgeSessions deletes sessions that expired before now; run periodically.
func (s *AuthService) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		n, err = tx.DeleteSessionsExpiredBefore(s.clock.Now())
		return err
	})
	return n, err
}

// VerifyToken checks a token's signature and expiry only, without the
// database: the benchmark ceiling uses it to measure the cheapest possible
// authenticated request.
func (s *AuthService) VerifyToken(token string) error {
	_, err := parseToken(s.key, token, s.clock.Now())
	return err
}
