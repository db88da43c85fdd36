// Package service holds crmapi's business rules. Each service method
// validates its input, applies the rules, takes ids and time from the
// Clock, and runs one transaction through the Store; partner calls never
// happen inside a transaction.
package service

import (
	"errors"
	"log/slog"
	"time"

	"github.com/crmapi/crmapi"
)

// Config is what the services need besides the store.
type Config struct {
	Store crmapi.Store
	Clock crmapi.Clock
	// SigningKey is the HS256 key for tokens; at least 32 bytes.
	SigningKey []byte
	// TokenLifetime is how long a token lives; capped at crmapi.MaxTokenLifetime.
	TokenLifetime time.Duration
	Logger        *slog.Logger
	// Login limits; zero values take the defaults of DefaultLoginLimits.
	LoginLimits LoginLimits
	// IdempotencyRetention is how long Idempotency-Keys are kept (default 24 h).
	IdempotencyRetention time.Duration
	// Webhooks is how events are delivered; zero values take the defaults.
	Webhooks WebhookConfig
	// Partner is the Netflix partner; without one every partner call
	// fails as PARTNER_UNAVAILABLE.
	Partner Partner
	// Netflix tunes the Netflix service.
	Netflix NetflixConfig
}

// Services bundles every service of the server.
type Services struct {
	Auth        *AuthService
	Accounts    *AccountService
	Usage       *UsageService
	Idempotency *IdempotencyService
	Netflix     *NetflixService
	// Events is built first, so that the services that emit events can be given it.
	Events   *EventService
	Webhooks *WebhookService

	clock crmapi.Clock
	queue *queueRef
}

// Clock is the server's clock (an organisation's now is Organisation.Now(Clock())).
func (s *Services) Clock() crmapi.Clock { return s.clock }

// MinSigningKeyLength is the shortest HS256 key crmapi accepts (RFC 8725:
// as long as the hash output).
const MinSigningKeyLength = 32

// New validates cfg and builds the services.
func New(cfg Config) (*Services, error) {
	if cfg.Store == nil {
		return nil, errors.New("service: no store")
	}
	if len(cfg.SigningKey) < MinSigningKeyLength {
		return nil, errors.New("service: the token signing key must be at least 32 bytes")
	}
	if cfg.Clock == nil {
		cfg.Clock = crmapi.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TokenLifetime <= 0 || cfg.TokenLifetime > crmapi.MaxTokenLifetime {
		cfg.TokenLifetime = crmapi.MaxTokenLifetime
	}
	if cfg.IdempotencyRetention <= 0 {
		cfg.IdempotencyRetention = DefaultIdempotencyRetention
	}
	idem := &IdempotencyService{store: cfg.Store, clock: cfg.Clock, retention: cfg.IdempotencyRetention, lease: time.Minute}
	// Every other service writes through markingStore, so that a request's
	// Idempotency-Key is recorded as applied together with its effect.
	cfg.Store = markingStore{Store: cfg.Store}
	auth, err := newAuthService(cfg)
	if err != nil {
		return nil, err
	}
	queue := &queueRef{}
	cfg.Webhooks.defaults()
	events := &EventService{store: cfg.Store, clock: cfg.Clock, log: cfg.Logger, queue: queue, retention: cfg.Webhooks.EventRetention}
	hooks := newWebhookService(cfg.Store, cfg.Clock, cfg.Logger, queue, cfg.Webhooks)
	netflix := newNetflixService(cfg)
	netflix.events = events
	netflix.store = netflixEventStore{Store: netflix.store, svc: netflix}
	return &Services{
		Auth:        auth,
		Accounts:    &AccountService{store: cfg.Store, clock: cfg.Clock},
		Usage:       &UsageService{store: cfg.Store, clock: cfg.Clock, events: events, cats: newCatalogueCache()},
		Idempotency: idem,
		Events:      events,
		Webhooks:    hooks,
		Netflix:     netflix,
		clock:       cfg.Clock,
		queue:       queue,
	}, nil
}
