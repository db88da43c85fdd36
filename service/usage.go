package service

import (
	"context"
	"fmt"
	"time"

	"github.com/crmapi/crmapi"
)

// UsageService holds money for pay-per-use services (usage
// authorisations), posts usage against it, and manages the usage
// catalogue and the accounts' allowance limits.
type UsageService struct {
	store  crmapi.Store
	clock  crmapi.Clock
	events *EventService
	cats   *catalogueCache
}

// AuthorisationDetail is an authorisation with everything its wire form
// shows: the account and its owner, the subscription, the action that
// completed it, the user who cancelled it, and the catalogue its services
// are named in.
type AuthorisationDetail struct {
	crmapi.UsageAuthorisation
	Account      AccountDetail
	Subscription *crmapi.Subscription
	CompletedBy  *crmapi.SubscriptionAction
	CancelledBy  *crmapi.User
	Catalogue    crmapi.Catalogue
}

// NewAuthorisation asks to hold Amount of an account's money; exactly one
// of Account and Subscription is given.
type NewAuthorisation struct {
	Account      *crmapi.Ref
	Subscription *crmapi.Ref
	Amount       crmapi.Amount
}

// errNothingAllowed is returned when the limits leave nothing to authorise.
var errNothingAllowed = crmapi.Errorf(crmapi.LimitExceeded, "Usage limit reached",
	"the account's usage allowance limits allow no usage now")

// Authorise holds an amount of an account's money for usage. It succeeds
// only when the account is ACTIVE and its available amount (balance +
// credit limit − active holds) covers the amount; the check and the hold
// are one conditional statement, so no concurrency can over-authorise.
// Holds past their expiry are released first, so that they count as
// available. The new authorisation is BLOCKED until its validity (the
// account's allowance setting, 24 h by default) runs out, and snapshots
// what each allowed service may take (see allowedServices).
//
// What does not decide money is read before the write transaction, on a
// reader (prepareAuthorisation): on SQLite every write waits for the one
// writer connection, and a create's reads were half of its time there.
// The write transaction keeps every statement whose answer must be
// current: the subscription's state, the expiry of overdue holds, usage
// against limits, the conditional hold.
// Codes: MANDATORY_PARAMETER_MISSING, ONLY_ONE_SEMI_OPTIONAL_ALLOWED,
// INVALID_PARAMETER, NOT_FOUND, INVALID_LIFE_CYCLE_STATE,
// INSUFFICIENT_FUNDS, LIMIT_EXCEEDED (the limits allow no usage at all).
func (s *UsageService) Authorise(ctx context.Context, orgID string, n NewAuthorisation) (AuthorisationDetail, error) {
	if err := oneOf(n.Account, n.Subscription); err != nil {
		return AuthorisationDetail{}, err
	}
	if !n.Amount.IsPositive() {
		return AuthorisationDetail{}, crmapi.Invalid("authorisation_amount", "must be greater than zero")
	}
	p, err := s.prepareAuthorisation(ctx, orgID, n)
	if err != nil {
		return AuthorisationDetail{}, err
	}
	var d AuthorisationDetail
	var events []crmapi.Event
	err = s.store.Update(ctx, func(tx crmapi.Tx) error {
		events = events[:0]
		// A test organisation's clock dates the hold and times its expiry.
		now := p.org.Now(s.clock)
		acctID := p.account.ID
		sub := p.sub
		if sub != nil {
			cur, err := tx.SubscriptionByID(orgID, sub.ID)
			if err != nil {
				return err
			}
			if err := usable(p.account.AccountsReceivable, &cur); err != nil {
				return err
			}
			sub = &cur
		}
		if expired, err := expireAccount(tx, orgID, acctID, now); err != nil {
			return err
		} else if len(expired) > 0 {
			if err := s.emitEnded(tx, expired, crmapi.EventUsageAuthorisationExpired, &events); err != nil {
				return err
			}
		}
		services := p.services
		if len(p.set.Limits) > 0 {
			// Usage posted so far matters only to limits, and must be
			// current: postings write through this same writer.
			used, err := loadUsage(tx, p.org, acctID, now)
			if err != nil {
				return err
			}
			services = allowedServices(p.cat, p.set, used, n.Amount, p.account.Currency)
		}
		if !anyAllowed(services) {
			// Money that does not cover the amount is said first.
			if err := covers(tx, orgID, acctID, n.Amount); err != nil {
				return err
			}
			return errNothingAllowed
		}
		ok, err := tx.HoldFunds(orgID, acctID, n.Amount)
		if err != nil {
			return err
		}
		if !ok {
			return notCovered(tx, orgID, acctID, n.Amount)
		}
		// The number is taken after the hold, so that a refused create never
		// takes one. Authorisation numbers need not be gap-free, so it is
		// allocated without holding the organisation's counter until commit
		// (which serialised every create of an organisation on PostgreSQL).
		seq, err := tx.AllocateNumber(orgID, "UA")
		if err != nil {
			return err
		}
		a := crmapi.UsageAuthorisation{ID: crmapi.NewID(), OrganisationID: orgID, Number: crmapi.FormatNumber("UA", seq),
			AccountID: acctID, Amount: n.Amount, LifeCycleState: crmapi.AuthorisationBlocked,
			AuthorisedAt: now, ExpiresAt: now.Add(p.set.Validity), Services: services}
		if sub != nil {
			a.SubscriptionID = sub.ID
		}
		if err := tx.CreateAuthorisation(a); err != nil {
			return err
		}
		// The answer's account: the hold just found it ACTIVE; the rest of
		// what the answer shows of it and its owner was read before.
		ds := newDetails(tx, p.cat)
		ds.accounts[acctID] = p.account
		if sub != nil {
			ds.subs[sub.ID] = sub
		}
		if d, err = ds.of(a); err != nil {
			return err
		}
		// Last: the event takes the organisation's event counter, which
		// stays locked until commit.
		return s.emitAuthorisationOf(tx, p.org, a, crmapi.EventUsageAuthorisationCreated, &events)
	})
	if err == nil {
		s.events.Dispatch(ctx, events...)
	}
	return d, err
}

// preparedAuthorisation is what a create reads before its write
// transaction. None of it decides whether money is held: the organisation
// (its clock), the account's identity, currency and owner, which
// subscription is meant, the allowance settings and the catalogue. A
// change committed between this read and the write orders the create
// before that change, as if it had come a moment earlier.
type preparedAuthorisation struct {
	org     crmapi.Organisation
	account AccountDetail
	sub     *crmapi.Subscription
	set     crmapi.AllowanceSettings
	cat     crmapi.Catalogue
	// services is the snapshot when the settings have no limits (then it
	// depends on nothing that changes).
	services []crmapi.AuthorisationService
}

// prepareAuthorisation reads what a create needs besides money, and
// refuses early what cannot succeed whatever the writer finds: an unknown
// or unusable account or subscription, an amount with more decimals than
// the currency. Each of its statements runs on its own, outside a
// transaction (Store.Read): none of them decides money, and each stands
// for a moment before the write whichever moment it saw.
func (s *UsageService) prepareAuthorisation(ctx context.Context, orgID string, n NewAuthorisation) (preparedAuthorisation, error) {
	var p preparedAuthorisation
	err := s.store.Read(ctx, func(tx crmapi.Tx) (err error) {
		c, err := tx.AuthorisationContext(orgID, n.Account, n.Subscription)
		if err != nil {
			return err
		}
		p.org, p.sub = c.Organisation, c.Subscription
		acct := c.Account
		if !n.Amount.FitsCurrency(acct.Currency) {
			return crmapi.Invalid("authorisation_amount", "more decimals than "+acct.Currency+" has")
		}
		if err := usable(acct, p.sub); err != nil {
			return err
		}
		p.account = AccountDetail{AccountsReceivable: acct, Owner: c.Owner}
		if p.set, err = allowance(tx, orgID, acct.ID); err != nil {
			return err
		}
		if p.cat, err = s.catalogueOfSize(ctx, orgID, c.CatalogueSize); err != nil {
			return err
		}
		if len(p.set.Limits) == 0 {
			p.services = allowedServices(p.cat, p.set, usedWindows{}, n.Amount, acct.Currency)
		}
		return nil
	})
	return p, err
}

// oneOf checks the account/subscription pair: exactly one is given.
func oneOf(account, subscription *crmapi.Ref) error {
	switch {
	case account == nil && subscription == nil:
		return &crmapi.Error{Code: crmapi.MandatoryParameterMissing, Message: "Mandatory parameter missing",
			Detail: "one of accounts_receivable_identifier, subscription_identifier is required"}
	case account != nil && subscription != nil:
		return &crmapi.Error{Code: crmapi.OnlyOneSemiOptionalAllowed, Message: "Only one semi-optional parameter allowed",
			Detail: "give only one of accounts_receivable_identifier, subscription_identifier"}
	}
	return nil
}

// accountAndSubscription resolves the account and subscription a call
// names. With only an account, the subscription is the account's only
// one; when it has none or several, that is nil, or an error when
// needSubscription.
func accountAndSubscription(tx crmapi.Tx, orgID string, account, subscription *crmapi.Ref, needSubscription bool) (crmapi.AccountsReceivable, *crmapi.Subscription, error) {
	if subscription != nil {
		sub, err := resolveSubscription(tx, orgID, *subscription)
		if err != nil {
			return crmapi.AccountsReceivable{}, nil, err
		}
		acct, err := tx.AccountByID(orgID, sub.AccountID)
		return acct, &sub, err
	}
	acct, err := resolveAccount(tx, orgID, *account)
	if err != nil {
		return acct, nil, err
	}
	subs, err := tx.ListSubscriptions(orgID, acct.ID)
	if err != nil {
		return acct, nil, err
	}
	if len(subs) == 1 {
		return acct, &subs[0], nil
	}
	if needSubscription {
		return acct, nil, crmapi.Errorf(crmapi.InvalidParameter, "Invalid parameter accounts_receivable_identifier",
			"accounts_receivable_identifier: account %s has %d subscriptions; give subscription_identifier instead", acct.Number, len(subs))
	}
	return acct, nil, nil
}

// usable checks that money can be authorised or spent on the account
// through the subscription.
func usable(acct crmapi.AccountsReceivable, sub *crmapi.Subscription) error {
	if acct.LifeCycleState != crmapi.AccountActive {
		return crmapi.Errorf(crmapi.InvalidLifeCycleState, "Invalid life cycle state",
			"account %s is %s, not ACTIVE", acct.Number, acct.LifeCycleState)
	}
	if sub != nil && sub.LifeCycleState != crmapi.SubscriptionEffective {
		return crmapi.Errorf(crmapi.InvalidLifeCycleState, "Invalid life cycle state",
			"subscription %s is %s, not EFFECTIVE", sub.Number, sub.LifeCycleState)
	}
	return nil
}

// covers refuses an amount the account's money does not cover now (or an
// account no longer ACTIVE), as notCovered says it.
func covers(tx crmapi.Tx, orgID, accountID string, amount crmapi.Amount) error {
	acct, err := tx.AccountByID(orgID, accountID)
	if err != nil {
		return err
	}
	if acct.Available().Cmp(amount) < 0 || acct.LifeCycleState != crmapi.AccountActive {
		return notCovered(tx, orgID, accountID, amount)
	}
	return nil
}

// notCovered explains why a conditional hold or debit did not happen: the
// account stopped being ACTIVE meanwhile, or its money does not cover it.
func notCovered(tx crmapi.Tx, orgID, accountID string, amount crmapi.Amount) error {
	acct, err := tx.AccountByID(orgID, accountID)
	if err != nil {
		return err
	}
	if err := usable(acct, nil); err != nil {
		return err
	}
	return crmapi.Errorf(crmapi.InsufficientFunds, "Insufficient funds",
		"account %s has %s %s available; %s was asked for", acct.Number, acct.Available(), acct.Currency, amount)
}

func anyAllowed(services []crmapi.AuthorisationService) bool {
	for _, s := range services {
		if s.MaximumAmount.IsPositive() {
			return true
		}
	}
	return false
}

// maxExpiredPerCall bounds the holds one call releases on the way.
const maxExpiredPerCall = 1000

// expireAccount releases the account's holds that are past their expiry.
func expireAccount(tx crmapi.Tx, orgID, accountID string, now time.Time) ([]crmapi.EndedAuthorisation, error) {
	return tx.EndAuthorisations(crmapi.AuthorisationsDue{OrganisationID: orgID, AccountID: accountID, By: now, Limit: maxExpiredPerCall},
		crmapi.AuthorisationEnd{State: crmapi.AuthorisationExpired, At: now})
}

// cancelBlocked cancels every BLOCKED authorisation of an account, as userID.
func cancelBlocked(tx crmapi.Tx, a crmapi.AccountsReceivable, userID string, now time.Time) error {
	// Every BLOCKED one expires before the end of time.
	forever := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	for {
		ended, err := tx.EndAuthorisations(crmapi.AuthorisationsDue{OrganisationID: a.OrganisationID, AccountID: a.ID, By: forever, Limit: maxExpiredPerCall},
			crmapi.AuthorisationEnd{State: crmapi.AuthorisationCancelled, At: now, UserID: userID})
		if err != nil || len(ended) < maxExpiredPerCall {
			return err
		}
	}
}

// resolveAuthorisation finds an authorisation by id or authorisation_id.
func resolveAuthorisation(tx crmapi.Tx, orgID string, ref crmapi.Ref) (crmapi.UsageAuthorisation, error) {
	byNumber, err := authorisationKey(ref)
	switch {
	case err != nil:
		return crmapi.UsageAuthorisation{}, err
	case byNumber:
		return tx.AuthorisationByNumber(orgID, ref.Value)
	}
	return tx.AuthorisationByID(orgID, ref.Value)
}

// authorisationKey tells how ref names an authorisation: by its id, or by
// its number (authorisation_id).
func authorisationKey(ref crmapi.Ref) (byNumber bool, err error) {
	switch ref.Field {
	case "id":
		return false, nil
	case "authorisation_id":
		return true, nil
	}
	return false, crmapi.Invalid("usage_authorisation_identifier."+ref.Field, "use id or authorisation_id")
}

// Authorisation returns one authorisation. A BLOCKED one past its expiry
// is expired, and its hold released, before it is shown: reads run in a
// read-only transaction, and only when they meet such an authorisation
// does one further transaction expire it and read the answer again.
// Codes: NOT_FOUND, INVALID_PARAMETER.
func (s *UsageService) Authorisation(ctx context.Context, orgID string, ref crmapi.Ref) (AuthorisationDetail, error) {
	d, due, err := s.shown(ctx, orgID, ref)
	if err != nil || !due {
		return d, err
	}
	var events []crmapi.Event
	err = s.store.Update(ctx, func(tx crmapi.Tx) error {
		events = events[:0]
		a, err := resolveAuthorisation(tx, orgID, ref)
		if err != nil {
			return err
		}
		now, err := s.orgNow(tx, orgID)
		if err != nil {
			return err
		}
		if a.Due(now) {
			ok, err := tx.EndAuthorisation(crmapi.AuthorisationEnd{OrganisationID: orgID, ID: a.ID,
				State: crmapi.AuthorisationExpired, At: now})
			if err != nil {
				return err
			}
			if a, err = tx.AuthorisationByID(orgID, a.ID); err != nil {
				return err
			}
			if ok {
				if err := s.emitAuthorisation(tx, a, crmapi.EventUsageAuthorisationExpired, &events); err != nil {
					return err
				}
			}
		}
		d, err = s.detailOf(tx, a)
		return err
	})
	if err == nil {
		s.events.Dispatch(ctx, events...)
	}
	return d, err
}

// shown reads an authorisation and what its answer shows in one
// statement, outside a transaction. due tells that it is BLOCKED past its
// expiry, and d is then not filled. The rows the answer refers to besides
// (the completing action, the cancelling user) never change once
// referenced, and a catalogue not yet cached is loaded in a transaction of
// its own: catalogue entries are only added, so a newer catalogue still
// names every service of the authorisation.
func (s *UsageService) shown(ctx context.Context, orgID string, ref crmapi.Ref) (d AuthorisationDetail, due bool, err error) {
	byNumber, err := authorisationKey(ref)
	if err != nil {
		return d, false, err
	}
	var shown crmapi.ShownAuthorisation
	err = s.store.Read(ctx, func(tx crmapi.Tx) error {
		if shown, err = tx.AuthorisationShown(orgID, ref.Value, byNumber); err != nil {
			return err
		}
		if shown.Authorisation.Due(shown.Organisation.Now(s.clock)) {
			due = true
			return nil
		}
		cat, err := s.catalogueOfSize(ctx, orgID, shown.CatalogueSize)
		if err != nil {
			return err
		}
		ds := newDetails(tx, cat)
		ds.accounts[shown.Account.ID] = AccountDetail{AccountsReceivable: shown.Account, Owner: shown.Owner}
		if shown.Subscription != nil {
			ds.subs[shown.Subscription.ID] = shown.Subscription
		}
		d, err = ds.of(shown.Authorisation)
		return err
	})
	return d, due, err
}

// catalogueOfSize is the organisation's catalogue for reads made outside
// a transaction, which have counted its size: the cached one when the size
// matches, else one loaded in a transaction of its own. Catalogue entries
// are only added, so a catalogue newer than the count still names
// everything the read saw.
func (s *UsageService) catalogueOfSize(ctx context.Context, orgID string, size int64) (crmapi.Catalogue, error) {
	if cat, ok := s.cats.ofSize(orgID, size); ok {
		return cat, nil
	}
	var cat crmapi.Catalogue
	err := s.store.View(ctx, func(tx crmapi.Tx) (err error) {
		cat, err = s.cats.load(tx, orgID)
		return err
	})
	return cat, err
}

// MaxListResults bounds one page of usage_authorisations/list.
const MaxListResults = 1000

// Authorisations lists an account's authorisations by number, at most
// limit (MaxListResults when 0) from offset. Like Authorisation, it
// expires what is due before answering.
// Codes: NOT_FOUND, INVALID_PARAMETER.
func (s *UsageService) Authorisations(ctx context.Context, orgID string, account crmapi.Ref, offset, limit int) ([]AuthorisationDetail, error) {
	if offset < 0 {
		return nil, crmapi.Invalid("offset", "must not be negative")
	}
	if limit < 0 || limit > MaxListResults {
		return nil, crmapi.Invalid("number_of_results", fmt.Sprintf("between 1 and %d", MaxListResults))
	}
	if limit == 0 {
		limit = MaxListResults
	}
	var out []AuthorisationDetail
	list := func(tx crmapi.Tx, acct crmapi.AccountsReceivable) error {
		as, err := tx.ListAuthorisations(orgID, acct.ID, offset, limit)
		if err != nil {
			return err
		}
		cat, err := s.cats.load(tx, orgID)
		if err != nil {
			return err
		}
		ds := newDetails(tx, cat)
		out = make([]AuthorisationDetail, 0, len(as))
		for _, a := range as {
			d, err := ds.of(a)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	}
	due := false
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		acct, err := resolveAccount(tx, orgID, account)
		if err != nil {
			return err
		}
		if err := list(tx, acct); err != nil {
			return err
		}
		now, err := s.orgNow(tx, orgID)
		if err != nil {
			return err
		}
		for _, d := range out {
			due = due || d.Due(now)
		}
		return nil
	})
	if err != nil || !due {
		return out, err
	}
	var events []crmapi.Event
	err = s.store.Update(ctx, func(tx crmapi.Tx) error {
		events = events[:0]
		acct, err := resolveAccount(tx, orgID, account)
		if err != nil {
			return err
		}
		now, err := s.orgNow(tx, orgID)
		if err != nil {
			return err
		}
		ended, err := expireAccount(tx, orgID, acct.ID, now)
		if err != nil {
			return err
		}
		if err := s.emitEnded(tx, ended, crmapi.EventUsageAuthorisationExpired, &events); err != nil {
			return err
		}
		return list(tx, acct)
	})
	if err == nil {
		s.events.Dispatch(ctx, events...)
	}
	return out, err
}

// Cancel ends a BLOCKED authorisation as userID and releases its hold.
// Codes: NOT_FOUND, INVALID_PARAMETER, INVALID_LIFE_CYCLE_STATE (not
// BLOCKED, or past its expiry).
func (s *UsageService) Cancel(ctx context.Context, orgID, userID string, ref crmapi.Ref) (AuthorisationDetail, error) {
	var d AuthorisationDetail
	var events []crmapi.Event
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		events = events[:0]
		a, err := resolveAuthorisation(tx, orgID, ref)
		if err != nil {
			return err
		}
		now, err := s.orgNow(tx, orgID)
		if err != nil {
			return err
		}
		if err := blocked(a, now); err != nil {
			return err
		}
		ok, err := tx.EndAuthorisation(crmapi.AuthorisationEnd{OrganisationID: orgID, ID: a.ID,
			State: crmapi.AuthorisationCancelled, At: now, UserID: userID})
		if err != nil {
			return err
		}
		if a, err = tx.AuthorisationByID(orgID, a.ID); err != nil {
			return err
		}
		if !ok {
			return blocked(a, now)
		}
		if err := s.emitAuthorisation(tx, a, crmapi.EventUsageAuthorisationCancelled, &events); err != nil {
			return err
		}
		d, err = s.detailOf(tx, a)
		return err
	})
	if err == nil {
		s.events.Dispatch(ctx, events...)
	}
	return d, err
}

// blocked is nil when the authorisation still holds money.
func blocked(a crmapi.UsageAuthorisation, now time.Time) error {
	state := a.LifeCycleState
	if a.Due(now) {
		state = crmapi.AuthorisationExpired
	}
	if state != crmapi.AuthorisationBlocked {
		return crmapi.Errorf(crmapi.InvalidLifeCycleState, "Invalid life cycle state",
			"usage authorisation %s is %s, not BLOCKED", a.Number, state)
	}
	return nil
}

// ExpireDue expires up to limit BLOCKED authorisations of every
// organisation whose expiry has passed by that organisation's clock,
// releasing their holds, and returns how many it expired. The server's
// sweeper calls it periodically.
func (s *UsageService) ExpireDue(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = ExpiryBatch
	}
	var n int
	var events []crmapi.Event
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		events, n = events[:0], 0
		expire := func(orgID string, now time.Time) error {
			ended, err := tx.EndAuthorisations(crmapi.AuthorisationsDue{OrganisationID: orgID, By: now, Limit: limit - n},
				crmapi.AuthorisationEnd{State: crmapi.AuthorisationExpired, At: now})
			n += len(ended)
			if err != nil {
				return err
			}
			return s.emitEnded(tx, ended, crmapi.EventUsageAuthorisationExpired, &events)
		}
		// Test clocks only run ahead, so organisations whose clock was moved
		// go first, each by its own now. Only when all of theirs that are
		// due have ended does the query by the server's now run, so it
		// never dates a test organisation's expiry by the wrong clock.
		orgs, err := tx.ListOrganisations()
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if o.ClockOffset > 0 && n < limit {
				if err := expire(o.ID, o.Now(s.clock)); err != nil {
					return err
				}
			}
		}
		if n < limit {
			return expire("", s.clock.Now())
		}
		return nil
	})
	if err == nil {
		s.events.Dispatch(ctx, events...)
	}
	return n, err
}

// orgNow is the organisation's now: the server's, or a test
// organisation's clock moved ahead.
func (s *UsageService) orgNow(tx crmapi.Tx, orgID string) (time.Time, error) {
	org, err := tx.OrganisationByID(orgID)
	if err != nil {
		return time.Time{}, err
	}
	return org.Now(s.clock), nil
}

// detailOf loads what one authorisation refers to.
func (s *UsageService) detailOf(tx crmapi.Tx, a crmapi.UsageAuthorisation) (AuthorisationDetail, error) {
	cat, err := s.cats.load(tx, a.OrganisationID)
	if err != nil {
		return AuthorisationDetail{}, err
	}
	return newDetails(tx, cat).of(a)
}

// details loads what authorisations refer to, once each.
type details struct {
	tx       crmapi.Tx
	cat      crmapi.Catalogue
	accounts map[string]AccountDetail
	subs     map[string]*crmapi.Subscription
}

func newDetails(tx crmapi.Tx, cat crmapi.Catalogue) *details {
	return &details{tx: tx, cat: cat, accounts: map[string]AccountDetail{}, subs: map[string]*crmapi.Subscription{}}
}

func (ds *details) of(a crmapi.UsageAuthorisation) (AuthorisationDetail, error) {
	d := AuthorisationDetail{UsageAuthorisation: a, Catalogue: ds.cat}
	org := a.OrganisationID
	acct, ok := ds.accounts[a.AccountID]
	if !ok {
		ar, owner, err := ds.tx.AccountWithOwner(org, a.AccountID)
		if err != nil {
			return d, err
		}
		acct = AccountDetail{AccountsReceivable: ar, Owner: owner}
		ds.accounts[ar.ID] = acct
	}
	d.Account = acct
	if a.SubscriptionID != "" {
		sub, ok := ds.subs[a.SubscriptionID]
		if !ok {
			s, err := ds.tx.SubscriptionByID(org, a.SubscriptionID)
			if err != nil {
				return d, err
			}
			sub = &s
			ds.subs[s.ID] = sub
		}
		d.Subscription = sub
	}
	if a.CompletedByActionID != "" {
		act, err := ds.tx.SubscriptionActionByID(org, a.CompletedByActionID)
		if err != nil {
			return d, err
		}
		d.CompletedBy = &act
	}
	if a.CancelledByUserID != "" {
		u, err := ds.tx.UserByID(org, a.CancelledByUserID)
		if err != nil {
			return d, err
		}
		d.CancelledBy = &u
	}
	return d, nil
}

// UsageLine is usage of one service to post.
type UsageLine struct {
	// Service names the usage service by id, code or alternative_code.
	Service crmapi.Ref
	Usage   crmapi.Quantity
}

// UsagePosting is a subscriptions/add_service_usage call: exactly one of
// Account and Subscription, optionally the authorisation the usage is
// posted against, and the lines.
type UsagePosting struct {
	Account       *crmapi.Ref
	Subscription  *crmapi.Ref
	Authorisation *crmapi.Ref
	Lines         []UsageLine
}

// MaxUsageLines bounds the lines of one posting.
const MaxUsageLines = 100

// Posted is what a posting did.
type Posted struct {
	Action        crmapi.SubscriptionAction
	Subscription  crmapi.Subscription
	Account       AccountDetail
	Authorisation *crmapi.UsageAuthorisation
	Records       []crmapi.UsageRecord
	Total         crmapi.Amount
	Catalogue     crmapi.Catalogue
}

// AddServiceUsage posts usage through an Add Service Usage action, in one
// transaction: it rates each line at its service's unit rate (rounded to
// the currency's minor unit), creates a usage detail record per line and
// debits the account through its ledger.
//
// Against an authorisation, which must be BLOCKED and be for the same
// account (and subscription, if it names one), the lines must stay within
// its services snapshot and their total within its amount; the
// authorisation becomes COMPLETED with the action, and its whole hold is
// released while the usage is debited. Without one, the lines must stay
// within what the account's limits allow now, and the account's available
// amount must cover the total (one conditional statement, as for holds).
// With only an account, the account must own exactly one subscription.
// Codes: MANDATORY_PARAMETER_MISSING, ONLY_ONE_SEMI_OPTIONAL_ALLOWED,
// INVALID_PARAMETER, NOT_FOUND, INVALID_LIFE_CYCLE_STATE, LIMIT_EXCEEDED,
// INSUFFICIENT_FUNDS.
func (s *UsageService) AddServiceUsage(ctx context.Context, orgID, userID string, p UsagePosting) (Posted, error) {
	if err := oneOf(p.Account, p.Subscription); err != nil {
		return Posted{}, err
	}
	if len(p.Lines) == 0 {
		return Posted{}, crmapi.Missing("usage_detail_records_set")
	}
	if len(p.Lines) > MaxUsageLines {
		return Posted{}, crmapi.Errorf(crmapi.LimitExceeded, "Too many usage lines", "at most %d lines per call", MaxUsageLines)
	}
	for i, l := range p.Lines {
		if !l.Usage.IsPositive() {
			return Posted{}, crmapi.Invalid(fmt.Sprintf("usage_detail_records_set[%d].usage_amount", i), "must be greater than zero")
		}
	}
	var out Posted
	var events []crmapi.Event
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		events = events[:0]
		actionSeq, err := tx.NextNumber(orgID, "SA")
		if err != nil {
			return err
		}
		udrSeq := make([]int64, len(p.Lines))
		for i := range udrSeq {
			if udrSeq[i], err = tx.NextNumber(orgID, "UDR"); err != nil {
				return err
			}
		}
		org, err := tx.OrganisationByID(orgID)
		if err != nil {
			return err
		}
		now := org.Now(s.clock)
		acct, sub, err := accountAndSubscription(tx, orgID, p.Account, p.Subscription, true)
		if err != nil {
			return err
		}
		if err := usable(acct, sub); err != nil {
			return err
		}
		cat, err := s.cats.load(tx, orgID)
		if err != nil {
			return err
		}
		lines, total, err := rate(cat, p.Lines, acct.Currency)
		if err != nil {
			return err
		}
		var auth *crmapi.UsageAuthorisation
		if p.Authorisation != nil {
			a, err := resolveAuthorisation(tx, orgID, *p.Authorisation)
			if err != nil {
				return err
			}
			if err := fitsAuthorisation(cat, a, acct, *sub, lines, total, now); err != nil {
				return err
			}
			auth = &a
		} else {
			expired, err := expireAccount(tx, orgID, acct.ID, now)
			if err != nil {
				return err
			}
			if err := s.emitEnded(tx, expired, crmapi.EventUsageAuthorisationExpired, &events); err != nil {
				return err
			}
			set, err := allowance(tx, orgID, acct.ID)
			if err != nil {
				return err
			}
			used, err := loadUsage(tx, org, acct.ID, now)
			if err != nil {
				return err
			}
			if err := withinAllowance(cat, allowedServices(cat, set, used, total, acct.Currency), lines); err != nil {
				return err
			}
		}
		action := crmapi.SubscriptionAction{ID: crmapi.NewID(), OrganisationID: orgID, Number: crmapi.FormatNumber("SA", actionSeq),
			SubscriptionID: sub.ID, Type: crmapi.ActionAddServiceUsage, LifeCycleState: crmapi.ActionExecuted,
			UserID: userID, ExecutedAt: now}
		if err := tx.CreateSubscriptionAction(action); err != nil {
			return err
		}
		records := make([]crmapi.UsageRecord, len(lines))
		for i, l := range lines {
			records[i] = crmapi.UsageRecord{ID: crmapi.NewID(), OrganisationID: orgID, Number: crmapi.FormatNumber("UDR", udrSeq[i]),
				AccountID: acct.ID, SubscriptionID: sub.ID, ServiceID: l.service.ID, ActionID: action.ID,
				Usage: l.usage, UnitRate: l.service.UnitRate, RatedAmount: l.amount, LifeCycleState: crmapi.UsagePosted,
				CreatedAt: now}
			if auth != nil {
				records[i].AuthorisationID = auth.ID
			}
			if err := tx.CreateUsageRecord(records[i]); err != nil {
				return err
			}
		}
		debit := crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: orgID, AccountID: acct.ID, Kind: crmapi.EntryUsage,
			Amount: total.Neg(), Reference: action.Number, Description: "Usage", ActionID: action.ID, CreatedAt: now}
		if auth != nil {
			ok, err := tx.EndAuthorisation(crmapi.AuthorisationEnd{OrganisationID: orgID, ID: auth.ID,
				State: crmapi.AuthorisationCompleted, At: now, ActionID: action.ID, UsedAmount: total})
			if err != nil {
				return err
			}
			if !ok { // ended by someone else since it was read
				a, err := tx.AuthorisationByID(orgID, auth.ID)
				if err != nil {
					return err
				}
				return blocked(a, now)
			}
			// The hold covered the usage, so the debit needs no check.
			if !total.IsZero() {
				if err := tx.AddEntry(debit); err != nil {
					return err
				}
			}
			if *auth, err = tx.AuthorisationByID(orgID, auth.ID); err != nil {
				return err
			}
			if err := s.emitAuthorisation(tx, *auth, crmapi.EventUsageAuthorisationCompleted, &events); err != nil {
				return err
			}
		} else if !total.IsZero() {
			ok, err := tx.DebitAvailable(debit)
			if err != nil {
				return err
			}
			if !ok {
				return notCovered(tx, orgID, acct.ID, total)
			}
		}
		if acct, err = tx.AccountByID(orgID, acct.ID); err != nil {
			return err
		}
		owner, err := accountDetail(tx, acct)
		out = Posted{Action: action, Subscription: *sub, Account: owner, Authorisation: auth, Records: records,
			Total: total, Catalogue: cat}
		return err
	})
	if err == nil {
		s.events.Dispatch(ctx, events...)
	}
	return out, err
}

// rate resolves and rates the lines.
func rate(cat crmapi.Catalogue, in []UsageLine, currency string) ([]ratedLine, crmapi.Amount, error) {
	var total crmapi.Amount
	out := make([]ratedLine, len(in))
	for i, l := range in {
		param := fmt.Sprintf("usage_detail_records_set[%d].product_identifier", i)
		svc, err := findService(cat, l.Service, param)
		if err != nil {
			return nil, total, err
		}
		amount, err := crmapi.Rate(svc.UnitRate, l.Usage, currency)
		if err != nil {
			return nil, total, crmapi.Invalid(fmt.Sprintf("usage_detail_records_set[%d].usage_amount", i), "too large")
		}
		out[i] = ratedLine{service: svc, usage: l.Usage, amount: amount}
		total = total.Add(amount)
	}
	return out, total, nil
}

// fitsAuthorisation checks usage posted against an authorisation.
func fitsAuthorisation(cat crmapi.Catalogue, a crmapi.UsageAuthorisation, acct crmapi.AccountsReceivable, sub crmapi.Subscription,
	lines []ratedLine, total crmapi.Amount, now time.Time) error {
	if a.AccountID != acct.ID {
		return crmapi.Invalid("usage_authorisation_identifier", fmt.Sprintf("authorisation %s is not for account %s", a.Number, acct.Number))
	}
	if a.SubscriptionID != "" && a.SubscriptionID != sub.ID {
		return crmapi.Invalid("usage_authorisation_identifier", fmt.Sprintf("authorisation %s is not for subscription %s", a.Number, sub.Number))
	}
	if err := blocked(a, now); err != nil {
		return err
	}
	if err := withinAllowance(cat, a.Services, lines); err != nil {
		return err
	}
	if total.Cmp(a.Amount) > 0 {
		return crmapi.Errorf(crmapi.LimitExceeded, "Usage limit exceeded", "rated usage %s exceeds the authorised amount %s of %s",
			total, a.Amount, a.Number)
	}
	return nil
}

// UsageRecords lists an account's usage detail records, oldest first,
// with the catalogue their services are named in. Codes: NOT_FOUND,
// INVALID_PARAMETER.
func (s *UsageService) UsageRecords(ctx context.Context, orgID string, account crmapi.Ref) ([]crmapi.UsageRecord, crmapi.Catalogue, error) {
	var out []crmapi.UsageRecord
	var cat crmapi.Catalogue
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, account)
		if err != nil {
			return err
		}
		if out, err = tx.ListUsageRecords(orgID, a.ID); err != nil {
			return err
		}
		cat, err = s.cats.load(tx, orgID)
		return err
	})
	return out, cat, err
}

// ExpiryBatch is how many expired holds one transaction releases.
const ExpiryBatch = 500

// ExpireAllDue releases every hold past its expiry, a batch per
// transaction, and returns how many it released.
func (s *UsageService) ExpireAllDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.ExpireDue(ctx, ExpiryBatch)
		total += n
		if err != nil || n < ExpiryBatch {
			return total, err
		}
	}
}
