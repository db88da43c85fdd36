package service

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/partner"
)

// ReconcileResult counts what one reconciliation run did.
type ReconcileResult struct {
	Polled, Changed, Failed int
}

// Reconcile reads the partner accounts of the subscriptions polled least
// recently (one batch) and brings in what changed on the partner's side:
// sign-ups redeemed (the subscription becomes EFFECTIVE), the account's
// state (netflix_sate), redeemed promotions and prices, and accounts the
// partner terminated. Reads happen outside any transaction; each result
// is merged into the subscription as it is then, so a read that an
// operation overtook changes nothing.
func (s *NetflixService) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var subs []crmapi.NetflixSubscription
	now := s.clock.Now()
	// A sign-up nobody redeemed before its token expired cannot change any more.
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		subs, err = tx.NetflixSubscriptionsToPoll(now.Add(-time.Hour), s.cfg.ReconcileBatch)
		return err
	})
	if err != nil || len(subs) == 0 {
		return ReconcileResult{}, err
	}
	accts := make([]*partner.Account, len(subs))
	errs := make([]error, len(subs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.cfg.ReconcileConcurrency)
	for i, sub := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
			defer cancel()
			a, err := s.partner.GetAccount(cctx, sub.OrganisationID, sub.PAI)
			if err != nil {
				errs[i] = err
				return
			}
			accts[i] = &a
		}()
	}
	wg.Wait()
	res := ReconcileResult{Polled: len(subs)}
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = sub.ID
		if errs[i] != nil {
			res.Failed++
		}
	}
	// One short transaction per subscription that changed: a change
	// records an event, which holds the organisation's event counter until
	// its transaction ends, so no long batch may hold it. They run side by
	// side, so that SQLite commits them together.
	bg := context.WithoutCancel(ctx)
	var mu sync.Mutex
	var firstErr error
	for i, old := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var err error
			changed := false
			switch {
			case accts[i] != nil:
				if changed, err = s.wouldChange(bg, old, *accts[i], now); err == nil && changed {
					err = s.store.Update(bg, func(tx crmapi.Tx) error {
						_, err := s.mergeInto(tx, old, *accts[i], now)
						return err
					})
				}
			case partner.ErrorCode(errs[i]) == partner.CodeNotFound:
				err = s.store.Update(bg, func(tx crmapi.Tx) error { return s.flagMissing(tx, old) })
			}
			mu.Lock()
			defer mu.Unlock()
			if changed {
				res.Changed++
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return res, firstErr
	}
	err = s.store.Update(bg, func(tx crmapi.Tx) error { return tx.MarkNetflixPolled(ids, now) })
	return res, err
}

// wouldChange tells, from reads only, whether merging acct changes the subscription.
func (s *NetflixService) wouldChange(ctx context.Context, sub crmapi.NetflixSubscription, acct partner.Account, now time.Time) (bool, error) {
	if mergeAccount(&sub, acct, now) {
		return true, nil
	}
	if acct.SignedUpAt == nil {
		return false, nil
	}
	promos, prices := extrasOf(acct)
	var same bool
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		oldPromos, oldPrices, err := tx.NetflixExtras(sub.OrganisationID, sub.ID)
		same = reflect.DeepEqual(promos, oldPromos) && reflect.DeepEqual(prices, oldPrices)
		return err
	})
	return !same, err
}

// mergeInto merges one account read into the stored subscription.
func (s *NetflixService) mergeInto(tx crmapi.Tx, old crmapi.NetflixSubscription, acct partner.Account, now time.Time) (bool, error) {
	sub, err := tx.NetflixSubscriptionByID(old.OrganisationID, old.ID)
	if err != nil {
		return false, err
	}
	changed := mergeAccount(&sub, acct, now)
	if changed {
		sub.UpdatedAt = now
		if err := tx.UpdateNetflixSubscription(sub); err != nil {
			return false, err
		}
	}
	if acct.SignedUpAt == nil {
		return changed, nil
	}
	promos, prices := extrasOf(acct)
	oldPromos, oldPrices, err := tx.NetflixExtras(sub.OrganisationID, sub.ID)
	if err != nil {
		return false, err
	}
	if reflect.DeepEqual(promos, oldPromos) && reflect.DeepEqual(prices, oldPrices) {
		return changed, nil
	}
	return true, tx.SetNetflixExtras(sub.OrganisationID, sub.ID, promos, prices)
}

// flagMissing marks a subscription whose account the partner does not
// know: something outside crmapi lost it, and a person must look.
func (s *NetflixService) flagMissing(tx crmapi.Tx, old crmapi.NetflixSubscription) error {
	sub, err := tx.NetflixSubscriptionByID(old.OrganisationID, old.ID)
	if err != nil || sub.Attention {
		return err
	}
	sub.Attention, sub.AttentionReason, sub.UpdatedAt = true, "the partner has no account "+sub.PAI, s.clock.Now()
	s.log.Error("netflix: the partner does not know a subscription's account", "org", sub.OrganisationID,
		"subscription", sub.Number, "pai", sub.PAI)
	return tx.UpdateNetflixSubscription(sub)
}

// extrasOf converts an account's redeemed promotions and prices.
func extrasOf(acct partner.Account) ([]crmapi.NetflixRedemption, []crmapi.NetflixPrice) {
	promos := []crmapi.NetflixRedemption{}
	for _, p := range acct.RedeemedPromotions {
		promos = append(promos, crmapi.NetflixRedemption{NetflixPromotion: crmapi.NetflixPromotion{Code: p.Code,
			Name: p.Name, Description: p.Description, EffectiveFrom: micro(p.EffectiveFrom), ExpiresOn: utcPtr(p.ExpiresOn)},
			RedeemedAt: micro(p.RedeemedAt)})
	}
	prices := []crmapi.NetflixPrice{}
	for _, p := range acct.Prices {
		amount, err := crmapi.ParseAmount(p.Amount)
		if err != nil {
			continue // a price crmapi cannot represent exactly is not shown
		}
		prices = append(prices, crmapi.NetflixPrice{FormattedPrice: p.FormattedPrice, Amount: amount, Currency: p.Currency,
			Plan: p.Plan, EffectiveDate: micro(p.EffectiveDate)})
	}
	return promos, prices
}

// micro is t as the stores keep it: UTC, microseconds.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// refreshCatalog is the background refresh of a stale promotion catalog.
func (s *NetflixService) refreshCatalog(ctx context.Context, orgID string) error {
	_, err := s.SyncPromotions(ctx, orgID)
	var e *crmapi.Error
	if errors.As(err, &e) && e.Code == crmapi.PartnerUnavailable {
		return &errRetry{err: err}
	}
	return err
}
