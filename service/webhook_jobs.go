package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/crmapi/crmapi"
)

// JobInserter is what services need of the job queue (jobs.Queue has it).
type JobInserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// queueRef holds the job queue, which exists only after the services
// (whose workers it runs) are built.
type queueRef struct{ p atomic.Pointer[JobInserter] }

func (r *queueRef) set(q JobInserter) { r.p.Store(&q) }

func (r *queueRef) get() JobInserter {
	if q := r.p.Load(); q != nil {
		return *q
	}
	return nil
}

// deliveries queues a job for each PENDING delivery. A failed insert is
// only logged: the delivery stays PENDING and the sweep queues it.
func (r *queueRef) deliveries(ctx context.Context, log *slog.Logger, ds []crmapi.WebhookDelivery) {
	q := r.get()
	if q == nil {
		return
	}
	for _, d := range ds {
		if d.State != crmapi.DeliveryPending {
			continue
		}
		args := DeliverWebhookArgs{OrganisationID: d.OrganisationID, DeliveryID: d.ID, Attempt: d.Attempts}
		if err := q.Insert(ctx, args, nil); err != nil {
			log.WarnContext(ctx, "webhooks: delivery job not queued; the sweep will queue it", "delivery_id", d.ID, "err", err.Error())
		}
	}
}

// DeliverWebhookArgs is the job that makes one attempt of one delivery.
type DeliverWebhookArgs struct {
	OrganisationID string `json:"organisation_id"`
	DeliveryID     string `json:"delivery_id"`
	// Attempt is how many attempts the delivery had when the job was
	// queued; a job whose delivery has moved on does nothing.
	Attempt int `json:"attempt"`
}

// Kind names the job.
func (DeliverWebhookArgs) Kind() string { return "deliver_webhook" }

// InsertOpts makes the job unique per delivery and attempt while it waits
// or runs, so that the sweep and Dispatch never queue one attempt twice.
// Completed jobs do not count: a delivery whose job ended without an
// attempt (not yet due) can be queued again.
func (DeliverWebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

type deliverWebhookWorker struct {
	river.WorkerDefaults[DeliverWebhookArgs]
	hooks *WebhookService
}

func (w *deliverWebhookWorker) Work(ctx context.Context, j *river.Job[DeliverWebhookArgs]) error {
	_, err := w.hooks.Deliver(ctx, j.Args)
	return err
}

// Timeout leaves room for the attempt's own timeout and two transactions.
func (w *deliverWebhookWorker) Timeout(*river.Job[DeliverWebhookArgs]) time.Duration {
	return w.hooks.cfg.Timeout + 30*time.Second
}

// SweepWebhooksArgs is the periodic job that queues due deliveries.
type SweepWebhooksArgs struct{}

// Kind names the job.
func (SweepWebhooksArgs) Kind() string { return "sweep_webhooks" }

type sweepWebhooksWorker struct {
	river.WorkerDefaults[SweepWebhooksArgs]
	hooks *WebhookService
}

func (w *sweepWebhooksWorker) Work(ctx context.Context, _ *river.Job[SweepWebhooksArgs]) error {
	_, err := w.hooks.Sweep(ctx)
	return err
}

// PurgeEventsArgs is the job that deletes events past their retention.
type PurgeEventsArgs struct{}

// Kind names the job.
func (PurgeEventsArgs) Kind() string { return "purge_events" }

type purgeEventsWorker struct {
	river.WorkerDefaults[PurgeEventsArgs]
	events *EventService
}

func (w *purgeEventsWorker) Work(ctx context.Context, _ *river.Job[PurgeEventsArgs]) error {
	_, err := w.events.Purge(ctx)
	return err
}

// webhookJobs registers the webhook workers and returns their periodic jobs.
func (s *Services) webhookJobs(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &deliverWebhookWorker{hooks: s.Webhooks})
	river.AddWorker(workers, &sweepWebhooksWorker{hooks: s.Webhooks})
	river.AddWorker(workers, &purgeEventsWorker{events: s.Events})
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(s.Webhooks.cfg.SweepInterval),
			func() (river.JobArgs, *river.InsertOpts) { return SweepWebhooksArgs{}, nil },
			&river.PeriodicJobOpts{ID: "sweep_webhooks", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeEventsArgs{}, nil },
			&river.PeriodicJobOpts{ID: "purge_events", RunOnStart: true}),
	}
}

// sweepBatch bounds the deliveries one sweep queues.
const sweepBatch = 500

// Sweep queues a job for every PENDING delivery that is due by its
// organisation's clock: first attempts whose job insert was lost, and every
// retry. Retries are driven by the sweep rather than by jobs scheduled in
// wall time, so that they follow a test organisation's clock when it is
// moved forward. It returns how many deliveries it queued.
func (s *WebhookService) Sweep(ctx context.Context) (int, error) {
	q := s.queue.get()
	if q == nil {
		return 0, nil
	}
	var due []crmapi.DueDelivery
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		if due, err = tx.DueWebhookDeliveries("", s.clock.Now(), sweepBatch); err != nil {
			return err
		}
		// Test clocks only run ahead, so the query above misses only the
		// deliveries of organisations whose clock was moved.
		orgs, err := tx.ListOrganisations()
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if o.ClockOffset <= 0 {
				continue
			}
			ahead, err := tx.DueWebhookDeliveries(o.ID, o.Now(s.clock), sweepBatch)
			if err != nil {
				return err
			}
			due = append(due, ahead...)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	queued := map[string]bool{}
	for _, d := range due {
		if queued[d.ID] {
			continue
		}
		queued[d.ID] = true
		if err := q.Insert(ctx, DeliverWebhookArgs{OrganisationID: d.OrganisationID, DeliveryID: d.ID, Attempt: d.Attempts}, nil); err != nil {
			return 0, fmt.Errorf("webhooks: sweep: %w", err)
		}
	}
	return len(queued), nil
}

// Backoff is the wait after the attempts-th failed attempt: RetryBase,
// doubling after each failure, at most RetryCap.
func (s *WebhookService) Backoff(attempts int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempts && d < s.cfg.RetryCap; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryCap)
}

// nextAttempt is when d is due after a failure at now: the backoff, but
// never past the end of its window, so that the last attempt falls on it.
func (s *WebhookService) nextAttempt(d crmapi.WebhookDelivery, now time.Time) time.Time {
	next := now.Add(s.Backoff(d.Attempts))
	if deadline := d.CreatedAt.Add(s.cfg.RetryWindow); next.After(deadline) {
		next = deadline
	}
	return next
}

// attempt is what one delivery attempt needs, read when it is claimed.
type attempt struct {
	delivery crmapi.WebhookDelivery
	endpoint crmapi.WebhookEndpoint
	event    crmapi.Event
	org      crmapi.Organisation
}

// Deliver makes one attempt of a delivery, when it is still PENDING with
// the job's attempt count, due by its organisation's clock, and its endpoint enabled;
// otherwise it does nothing. The attempt is claimed in one transaction
// before anything is sent, so two workers never make the same attempt,
// and with the next attempt already set, so that a crash mid-attempt is
// retried after the backoff. A 2xx answer delivers; anything else, or no
// answer within the timeout, schedules a retry, or FAILS the delivery once
// its window has closed. Only store errors are returned.
func (s *WebhookService) Deliver(ctx context.Context, job DeliverWebhookArgs) (crmapi.WebhookDelivery, error) {
	a, claimed, err := s.claim(ctx, job)
	if err != nil || !claimed {
		return a.delivery, err
	}
	d := a.delivery
	status, failure := s.post(ctx, a)
	now := a.org.Now(s.clock)
	d.LastStatus, d.LastError = status, failure
	switch {
	case failure == "":
		d.State, d.DeliveredAt = crmapi.DeliveryDelivered, &now
	case !now.Before(d.CreatedAt.Add(s.cfg.RetryWindow)):
		d.State = crmapi.DeliveryFailed
		s.log.WarnContext(ctx, "webhooks: delivery FAILED after its retry window", "organisation_id", d.OrganisationID,
			"delivery_id", d.ID, "event_id", d.EventID, "endpoint_id", d.EndpointID, "attempts", d.Attempts, "last_error", failure)
	default:
		d.NextAttemptAt = s.nextAttempt(d, now)
	}
	// The outcome is recorded even when the job is being stopped: the
	// request went out, and forgetting its answer would send it again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = s.store.Update(rctx, func(tx crmapi.Tx) error {
		// Not stored when the delivery changed meanwhile (its endpoint was
		// deleted): there is nothing left to record it on.
		_, err := tx.UpdateWebhookDelivery(d, d.Attempts)
		return err
	})
	return d, err
}

func (s *WebhookService) claim(ctx context.Context, job DeliverWebhookArgs) (attempt, bool, error) {
	var a attempt
	var claimed bool
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		claimed = false
		d, err := tx.WebhookDeliveryByID(job.OrganisationID, job.DeliveryID)
		if errors.Is(err, crmapi.ErrNotFound) {
			return nil // its endpoint or event was deleted
		}
		if err != nil {
			return err
		}
		a.delivery = d
		if a.org, err = tx.OrganisationByID(d.OrganisationID); err != nil {
			return err
		}
		now := a.org.Now(s.clock)
		if d.State != crmapi.DeliveryPending || d.Attempts != job.Attempt || d.NextAttemptAt.After(now) {
			return nil
		}
		if a.endpoint, err = tx.WebhookEndpointByID(d.OrganisationID, d.EndpointID); err != nil {
			return err
		}
		if !a.endpoint.Enabled {
			return nil // it waits until the endpoint is enabled again
		}
		if a.event, err = tx.EventByID(d.OrganisationID, d.EventID); err != nil {
			return err
		}
		d.Attempts++
		d.LastAttemptAt = &now
		d.NextAttemptAt = s.nextAttempt(d, now)
		if claimed, err = tx.UpdateWebhookDelivery(d, job.Attempt); err != nil {
			return err
		}
		a.delivery = d
		return nil
	})
	return a, claimed, err
}

// maxErrorLength bounds the error text kept for a failed attempt.
const maxErrorLength = 300

// post sends the event to the endpoint's URL, and only there. It returns
// the HTTP status (0 without an answer) and, unless the answer was a 2xx,
// why the attempt failed.
func (s *WebhookService) post(ctx context.Context, a attempt) (int, string) {
	body := EventJSON(a.event, a.org.Location())
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return 0, clip("request: " + err.Error())
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "crmapi-webhooks/"+crmapi.Version)
	h.Set("Crmapi-Event-Id", a.event.ID)
	h.Set("Crmapi-Event-Type", string(a.event.Type))
	h.Set("Crmapi-Delivery-Id", a.delivery.ID)
	h.Set(SignatureHeader, SignWebhook(a.endpoint.Secret, s.cfg.Wall(), body))
	resp, err := s.http.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
			return 0, fmt.Sprintf("no answer within %s", s.cfg.Timeout)
		}
		return 0, clip(err.Error())
	}
	// Drained a little so the connection can be reused; the body means nothing.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	msg := "HTTP " + resp.Status
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (redirects are not followed)"
	}
	return resp.StatusCode, clip(msg)
}

func clip(s string) string {
	if len(s) > maxErrorLength {
		return strings.ToValidUTF8(s[:maxErrorLength], "") + "…"
	}
	return s
}
