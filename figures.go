package crmapi

import "time"

// The figures operators watch, over every organisation: the metrics read
// them on each scrape (behind a short cache), so every query behind them
// is an aggregate over a partial or covering index, never a scan of a
// table's history.

// HoldFigure is an organisation's BLOCKED usage authorisations in one
// currency: how many, and the money they hold.
type HoldFigure struct {
	OrganisationID string
	Currency       string
	Count          int64
	Amount         Amount
}

// DeliveryFigure counts an organisation's webhook deliveries in one state.
type DeliveryFigure struct {
	OrganisationID string
	State          DeliveryState
	Count          int64
}

// ChargeBacklog is an organisation's Netflix charges waiting to be
// acknowledged in one list of netflix/charges/list: the processed ones
// (Processed) or those still pending at the partner. OldestReceivedOn is
// the receipt date of the first of them in list order.
type ChargeBacklog struct {
	OrganisationID   string
	Processed        bool
	Count            int64
	OldestReceivedOn time.Time
}

// AttentionFigure counts an organisation's Netflix subscriptions whose
// partner work needs attention.
type AttentionFigure struct {
	OrganisationID string
	Count          int64
}

// FiguresStore reads the figures; organisations with none are left out.
type FiguresStore interface {
	HoldFigures() ([]HoldFigure, error)
	// DeliveryFigures counts the PENDING and FAILED deliveries.
	DeliveryFigures() ([]DeliveryFigure, error)
	ChargeBacklogs() ([]ChargeBacklog, error)
	AttentionFigures() ([]AttentionFigure, error)
}
