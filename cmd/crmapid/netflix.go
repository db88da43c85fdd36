package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/service"
)

// NetflixConfig is the part of the configuration about the Netflix
// partner and the background work that talks to it.
type NetflixConfig struct {
	// PartnerURL is the partner's base URL; empty runs the emulator in
	// this process, under /partner-emulator/ (its sign-up page at /signup).
	PartnerURL string
	// PartnerKey is the partner API key (for the in-process emulator it is
	// generated when empty).
	PartnerKey string
	// PartnerTimeout bounds one attempt of a partner call (2 s).
	PartnerTimeout time.Duration
	// Offer and Country are what the operators resell.
	Offer, Country string
	// LocalCurrency and Rates convert charges (see service.Rates).
	LocalCurrency, Rates string
	// Intervals of the background work; zero takes the service defaults.
	ReconcileInterval, ChargesInterval, SweepInterval time.Duration
	// JobPollInterval is how often idle job workers look for work (1 s).
	JobPollInterval time.Duration
}

// bind declares the Netflix flags.
func (c *NetflixConfig) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.PartnerURL, "partner-url", env("CRMAPI_PARTNER_URL", ""), "Netflix partner base URL; empty runs the partner emulator in-process under /partner-emulator/ (CRMAPI_PARTNER_URL)")
	fs.StringVar(&c.PartnerKey, "partner-key", env("CRMAPI_PARTNER_KEY", ""), "partner API key; generated for the in-process emulator when empty (CRMAPI_PARTNER_KEY)")
	fs.DurationVar(&c.PartnerTimeout, "partner-timeout", envDuration("CRMAPI_PARTNER_TIMEOUT", 2*time.Second), "bound of one partner call attempt (CRMAPI_PARTNER_TIMEOUT)")
	fs.StringVar(&c.Offer, "netflix-offer", env("CRMAPI_NETFLIX_OFFER", "STANDARD"), "the partner offer the operators resell (CRMAPI_NETFLIX_OFFER)")
	fs.StringVar(&c.Country, "netflix-country", env("CRMAPI_NETFLIX_COUNTRY", "CY"), "ISO 3166-1 alpha-2 country of the offer (CRMAPI_NETFLIX_COUNTRY)")
	fs.StringVar(&c.LocalCurrency, "local-currency", env("CRMAPI_LOCAL_CURRENCY", ""), "currency of local_currency_amount; empty keeps each charge's own (CRMAPI_LOCAL_CURRENCY)")
	fs.StringVar(&c.Rates, "exchange-rates", env("CRMAPI_EXCHANGE_RATES", ""), "rates into the local currency, e.g. EUR=1.08,GBP=1.27 (CRMAPI_EXCHANGE_RATES)")
	fs.DurationVar(&c.ReconcileInterval, "netflix-reconcile-interval", envDuration("CRMAPI_NETFLIX_RECONCILE_INTERVAL", time.Minute), "how often partner accounts are polled (CRMAPI_NETFLIX_RECONCILE_INTERVAL)")
	fs.DurationVar(&c.ChargesInterval, "netflix-charges-interval", envDuration("CRMAPI_NETFLIX_CHARGES_INTERVAL", time.Minute), "how often the charges feed is read (CRMAPI_NETFLIX_CHARGES_INTERVAL)")
	fs.DurationVar(&c.SweepInterval, "netflix-sweep-interval", envDuration("CRMAPI_NETFLIX_SWEEP_INTERVAL", 30*time.Second), "how often the partner outbox is swept for lost work (CRMAPI_NETFLIX_SWEEP_INTERVAL)")
	fs.DurationVar(&c.JobPollInterval, "job-poll-interval", envDuration("CRMAPI_JOB_POLL_INTERVAL", time.Second), "how often idle job workers look for work (CRMAPI_JOB_POLL_INTERVAL)")
}

// validate checks the Netflix configuration; zero values are defaults.
func (c *NetflixConfig) validate() error {
	var errs []error
	if c.PartnerURL != "" {
		u, err := url.Parse(c.PartnerURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("partner-url: an http:// or https:// URL"))
		}
		if c.PartnerKey == "" {
			errs = append(errs, errors.New("partner-key: required with partner-url"))
		}
	}
	for name, d := range map[string]time.Duration{"partner-timeout": c.PartnerTimeout,
		"netflix-reconcile-interval": c.ReconcileInterval, "netflix-charges-interval": c.ChargesInterval,
		"netflix-sweep-interval": c.SweepInterval, "job-poll-interval": c.JobPollInterval} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s: must be a duration", name))
		}
	}
	if c.Country != "" && (len(c.Country) != 2 || strings.ToUpper(c.Country) != c.Country) {
		errs = append(errs, errors.New("netflix-country: two upper-case letters"))
	}
	if _, err := service.ParseRates(c.LocalCurrency, c.Rates); err != nil {
		errs = append(errs, fmt.Errorf("exchange-rates: %w", err))
	}
	return errors.Join(errs...)
}

// describe returns the Netflix configuration for the start-up log.
func (c *NetflixConfig) describe() []any {
	p := c.PartnerURL
	if p == "" {
		p = "in-process emulator at /partner-emulator/"
	}
	return []any{"partner", p, "netflix_offer", c.Offer, "netflix_country", c.Country, "local_currency", c.LocalCurrency}
}

// serviceConfig is the service's view of the configuration.
func (c *NetflixConfig) serviceConfig() service.NetflixConfig {
	rates, _ := service.ParseRates(c.LocalCurrency, c.Rates)
	return service.NetflixConfig{Offer: c.Offer, Country: c.Country, Rates: rates,
		ReconcileInterval: c.ReconcileInterval, ChargesInterval: c.ChargesInterval, SweepInterval: c.SweepInterval}
}

// emulatorPrefix is where serve mounts the in-process emulator.
const emulatorPrefix = "/partner-emulator"

// setupPartner builds the partner client, and the in-process emulator
// with its routes when no partner URL is configured.
func (m *Main) setupPartner(extra map[string]http.Handler) {
	c := &m.Config.Netflix
	base, key := c.PartnerURL, c.PartnerKey
	if base == "" {
		if key == "" {
			key = crmapi.RandomToken(16)
		}
		m.Emulator = emulator.New(emulator.Options{APIKey: key, PublicURL: m.PublicURL()})
		// The protocol and the admin endpoints under the prefix; the
		// sign-up page where the tokens' URLs point, at the root.
		extra[emulatorPrefix+"/"] = http.StripPrefix(emulatorPrefix, m.Emulator)
		for _, p := range []string{"GET /signup", "POST /signup", "POST /signup/redeem"} {
			extra[p] = m.Emulator
		}
		base = m.loopbackURL() + emulatorPrefix
	}
	m.PartnerKey = key
	m.Partner = partner.NewClient(partner.ClientConfig{BaseURL: base, APIKey: key, Timeout: c.PartnerTimeout})
}

// loopbackURL reaches this process's listener from inside it.
func (m *Main) loopbackURL() string {
	addr := m.listener.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// PublicURL is where a browser on this machine reaches the server.
func (m *Main) PublicURL() string {
	addr := m.listener.Addr().(*net.TCPAddr)
	if addr.IP.IsUnspecified() {
		return fmt.Sprintf("http://localhost:%d", addr.Port)
	}
	return m.URL()
}

// demoCustomer is the demo subscription's customer.
const demoCustomer = "DEMO-CUSTOMER-1"

// loadNetflixDemo reads the promotions into the demo organisation and
// subscribes the demo customer, printing the sign-up link. It runs once the
// server listens, since the in-process partner is reached over HTTP.
func (m *Main) loadNetflixDemo(ctx context.Context) {
	org, err := m.Services.Auth.Organisation(ctx, demoOrganisation)
	if err != nil {
		m.Log.Warn("demo: no demo organisation", "err", err.Error())
		return
	}
	promos, err := m.Services.Netflix.SyncPromotions(ctx, org.ID)
	if err != nil {
		m.Log.Warn("demo: promotions not read from the partner", "err", err.Error())
	}
	var codes []string
	for _, p := range promos {
		codes = append(codes, p.Code)
	}
	code := ""
	if len(codes) > 0 {
		code = codes[0]
	}
	s, err := m.Services.Netflix.Create(ctx, org.ID, service.NetflixCreate{CustomerID: demoCustomer, PromotionCode: code,
		Channel: "WEB", Customer: crmapi.NetflixCustomer{FirstName: "Demo", LastName: "Customer",
			Email: &crmapi.Email{Type: "PERSONAL", EmailAddress: "demo@example.com"}}})
	fmt.Fprintf(m.Out, "Netflix demo: promotions %s.\n", strings.Join(codes, ", "))
	switch {
	case err == nil:
		fmt.Fprintf(m.Out, "Subscription %s of customer %s: open its sign-up page in a browser to redeem it:\n\n    %s\n\n",
			s.Number, demoCustomer, s.URL)
	case crmapi.ErrorCode(err) == crmapi.InvalidLifeCycleState:
		fmt.Fprintf(m.Out, "Customer %s is subscribed already (%v).\n", demoCustomer, err)
	default:
		fmt.Fprintf(m.Out, "The demo subscription could not be created: %v\n", err)
	}
	if m.Emulator != nil {
		fmt.Fprintf(m.Out, "The partner emulator runs in this process (its state is lost on restart). Move its clock a month on,\n"+
			"so that charges appear in netflix/charges/list once the customer has signed up:\n\n"+
			"    curl -s -X POST %s%s/admin/clock/advance -H 'Authorization: Bearer %s' -d '{\"duration\":\"744h\"}'\n\n",
			m.PublicURL(), emulatorPrefix, m.PartnerKey)
	}
}

// cmdNetflix lists the subscriptions whose partner work needs attention,
// or puts one's failed operation back in the queue (a running server's
// sweep picks it up).
func cmdNetflix(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, orgName, verb, rest, err := subcommand("netflix", args, stderr, nil)
	if err != nil {
		return err
	}
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	org, err := m.org(ctx, orgName)
	if err != nil {
		return err
	}
	switch verb {
	case "attention":
		list, err := m.svc.Netflix.NeedingAttention(ctx, org.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SUBSCRIPTION\tCUSTOMER\tSTATE\tREASON")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Subscription.Number, a.Subscription.CustomerID,
				a.Subscription.LifeCycleState, a.Subscription.AttentionReason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d subscription(s) need attention\n", len(list))
		return nil
	case "retry":
		if len(rest) != 1 {
			return errors.New("netflix retry: give the subscription number")
		}
		if err := m.svc.Netflix.Retry(ctx, org.ID, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "subscription %s: its failed operation is queued again; a running server applies it\n", rest[0])
		return nil
	}
	return fmt.Errorf("netflix: unknown action %q (attention, retry)", verb)
}
