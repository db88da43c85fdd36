package metrics

import (
	"time"

	"github.com/crmapi/crmapi/partner"
	"github.com/prometheus/client_golang/prometheus"
)

// partnerCodes are the outcomes reported as themselves; any other code a
// partner sends is reported as OTHER, so that a misbehaving partner cannot
// grow the number of series.
var partnerCodes = map[string]bool{"OK": true,
	partner.CodeUnauthorized: true, partner.CodeNotFound: true, partner.CodeInvalidRequest: true,
	partner.CodePromotionUnavailable: true, partner.CodeInvalidState: true, partner.CodeOutOfOrder: true,
	partner.CodeTokenUsed: true, partner.CodeTokenExpired: true, partner.CodeIdempotencyKeyReused: true,
	partner.CodeRateLimited: true, partner.CodeInternal: true, partner.CodeUnavailable: true,
	partner.CodeNetwork: true, partner.CodeTimeout: true, partner.CodeCanceled: true,
	partner.CodeCircuitOpen: true, partner.CodeBadResponse: true}

// partnerOps are the client's operations; anything else is OTHER.
var partnerOps = map[string]bool{"create_signup": true, "get_account": true, "suspend_account": true,
	"reactivate_account": true, "terminate_account": true, "list_promotions": true, "list_prices": true,
	"read_charges": true, "accept_charge": true, "decline_charge": true}

type partnerMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newPartnerMetrics() *partnerMetrics {
	return &partnerMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmapi_partner_requests_total",
			Help: "Requests to the Netflix partner (each retry counts), by operation and outcome: OK, the error code, or CIRCUIT_OPEN for calls the circuit breaker refused without a request.",
		}, []string{"operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crmapi_partner_request_duration_seconds",
			Help:    "Latency of requests to the Netflix partner, by operation (breaker refusals are not requests).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
		}, []string{"operation"}),
	}
}

func (p *partnerMetrics) register(reg prometheus.Registerer) {
	reg.MustRegister(p.requests, p.duration)
}

// ObserveAttempt implements partner.Observer.
func (p *partnerMetrics) ObserveAttempt(op string, took time.Duration, code string) {
	if !partnerOps[op] {
		op = "OTHER"
	}
	if !partnerCodes[code] {
		code = "OTHER"
	}
	p.requests.WithLabelValues(op, code).Inc()
	if code != partner.CodeCircuitOpen {
		p.duration.WithLabelValues(op).Observe(took.Seconds())
	}
}

// PartnerObserver feeds the partner metrics; give it to partner.ClientConfig.Observer.
func (m *Metrics) PartnerObserver() partner.Observer { return m.partner }

// WatchPartner reports the client's circuit breaker: one series per
// state, 1 for the state it is in.
func (m *Metrics) WatchPartner(c *partner.Client) error {
	for _, s := range []partner.BreakerState{partner.BreakerClosed, partner.BreakerOpen, partner.BreakerHalfOpen} {
		g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "crmapi_partner_circuit_state",
			Help:        "The Netflix partner client's circuit breaker: 1 for the state it is in (CLOSED: calls flow; OPEN: calls fail fast; HALF_OPEN: one probe is let through).",
			ConstLabels: prometheus.Labels{"state": string(s)},
		}, func() float64 {
			if c.BreakerState() == s {
				return 1
			}
			return 0
		})
		if err := m.reg.Register(g); err != nil {
			return err
		}
	}
	return nil
}
