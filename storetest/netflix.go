package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/google/go-cmp/cmp"
)

func init() {
	addCase("NetflixSubscriptions", testNetflixSubscriptions)
	addCase("NetflixOperations", testNetflixOperations)
	addCase("NetflixPromotionsAndExtras", testNetflixPromotionsAndExtras)
	addCase("NetflixCharges", testNetflixCharges)
	addCase("NetflixFeedCursor", testNetflixFeedCursor)
	addCase("NetflixIsolation", testNetflixIsolation)
}

// MustNetflixSubscription stores a subscription of customer in the tenant.
func MustNetflixSubscription(tb testing.TB, s crmapi.Store, tn Tenant, customer, pai string) crmapi.NetflixSubscription {
	tb.Helper()
	var sub crmapi.NetflixSubscription
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		n, err := tx.NextNumber(tn.Org.ID, "NS")
		if err != nil {
			return err
		}
		exp := T0.Add(time.Hour)
		sub = crmapi.NetflixSubscription{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: crmapi.FormatNumber("NS", n),
			CustomerID: customer, PAI: pai, LifeCycleState: crmapi.NetflixNotEffective, ValiditySeconds: 3600,
			Customer:  crmapi.NetflixCustomer{FirstName: "Jane", Email: &crmapi.Email{Type: "PERSONAL", EmailAddress: "jane@example.com"}},
			CreatedAt: T0, UpdatedAt: T0, SignupTokenExpiresAt: &exp}
		if pai != "" {
			sub.PartnerState = crmapi.PartnerPendingSignup
		}
		return tx.CreateNetflixSubscription(sub)
	})
	return sub
}

func testNetflixSubscriptions(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	sub := MustNetflixSubscription(t, s, a, "pci123", "")
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.LiveNetflixSubscription(a.Org.ID, "pci123")
		if err != nil {
			return err
		}
		if diff := cmp.Diff(sub, got); diff != "" {
			t.Errorf("LiveNetflixSubscription differs (-want +got):\n%s", diff)
		}
		_, err = tx.LiveNetflixSubscription(a.Org.ID, "other")
		wantCode(t, err, crmapi.NotFound)
		return nil
	})
	// A second live subscription for the customer is refused.
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		dup := sub
		dup.ID, dup.Number = crmapi.NewID(), "NS9"
		return tx.CreateNetflixSubscription(dup)
	})
	wantCode(t, err, crmapi.Conflict)

	// Every mutable field survives an update.
	at := T0.Add(time.Minute)
	sub.PAI, sub.PartnerState, sub.LifeCycleState = "PAI1", crmapi.PartnerEffective, crmapi.NetflixEffective
	sub.SignupToken, sub.SignupURL, sub.SignupDelivered = "tok", "http://x/signup?token=tok", true
	sub.LastSequence, sub.ConfirmedSequence, sub.Attention, sub.AttentionReason = 3, 2, true, "stuck"
	sub.ActivatedAt, sub.PolledAt, sub.UpdatedAt = &at, &at, at
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateNetflixSubscription(sub) })
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.NetflixSubscriptionByPAI(a.Org.ID, "PAI1")
		if err != nil {
			return err
		}
		if diff := cmp.Diff(sub, got); diff != "" {
			t.Errorf("after update (-want +got):\n%s", diff)
		}
		list, err := tx.NetflixSubscriptionsNeedingAttention(a.Org.ID)
		if err != nil || len(list) != 1 {
			t.Errorf("needing attention = %v, %v", list, err)
		}
		n, err := tx.CountNetflixNeedingAttention()
		if err != nil || n != 1 {
			t.Errorf("count needing attention = %d, %v", n, err)
		}
		return nil
	})
	// Cancelled, the customer may have a new one; both are listed in order.
	sub.LifeCycleState, sub.CancelledAt = crmapi.NetflixCancelled, &at
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateNetflixSubscription(sub) })
	second := MustNetflixSubscription(t, s, a, "pci123", "PAI2")
	mustView(t, s, func(tx crmapi.Tx) error {
		list, err := tx.NetflixSubscriptionsOf(a.Org.ID, "pci123", "")
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != sub.ID || list[1].ID != second.ID {
			t.Errorf("NetflixSubscriptionsOf = %+v", list)
		}
		byPAI, err := tx.NetflixSubscriptionsOf(a.Org.ID, "", "PAI2")
		if err != nil || len(byPAI) != 1 || byPAI[0].ID != second.ID {
			t.Errorf("NetflixSubscriptionsOf by PAI = %+v, %v", byPAI, err)
		}
		// Both have a PAI and are not terminated; the one never polled comes first.
		poll, err := tx.NetflixSubscriptionsToPoll(T0, 10)
		if err != nil || len(poll) != 2 || poll[0].ID != second.ID {
			t.Errorf("NetflixSubscriptionsToPoll = %+v, %v", poll, err)
		}
		// An unredeemed sign-up whose token expired is no longer polled.
		poll, _ = tx.NetflixSubscriptionsToPoll(T0.Add(2*time.Hour), 10)
		if len(poll) != 1 || poll[0].ID != sub.ID {
			t.Errorf("NetflixSubscriptionsToPoll after expiry = %+v", poll)
		}
		return nil
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.MarkNetflixPolled([]string{second.ID}, at) })
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.NetflixSubscriptionByNumber(a.Org.ID, second.Number)
		if err != nil || got.PolledAt == nil || !got.PolledAt.Equal(at) {
			t.Errorf("after MarkNetflixPolled = %+v, %v", got, err)
		}
		return nil
	})
}

func testNetflixOperations(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	sub := MustNetflixSubscription(t, s, a, "pci1", "PAI1")
	ops := make([]crmapi.NetflixOperation, 3)
	for i, kind := range []crmapi.NetflixOperationKind{crmapi.OpSuspend, crmapi.OpReactivate, crmapi.OpTerminate} {
		ops[i] = crmapi.NetflixOperation{ID: crmapi.NewID(), OrganisationID: a.Org.ID, SubscriptionID: sub.ID,
			Sequence: int64(i + 1), Kind: kind, OperationID: crmapi.NewID(), Status: crmapi.OpPending,
			CreatedAt: T0.Add(time.Duration(i) * time.Second), UpdatedAt: T0}
	}
	// Stored out of order, they still come back in sequence order.
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		for _, i := range []int{2, 0, 1} {
			if err := tx.AddNetflixOperation(ops[i]); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		dup := ops[0]
		dup.ID, dup.OperationID = crmapi.NewID(), crmapi.NewID()
		return tx.AddNetflixOperation(dup)
	})
	wantCode(t, err, crmapi.Conflict)
	next := func() crmapi.NetflixOperation {
		t.Helper()
		var o crmapi.NetflixOperation
		mustView(t, s, func(tx crmapi.Tx) error {
			var err error
			o, err = tx.NextNetflixOperation(a.Org.ID, sub.ID)
			return err
		})
		return o
	}
	if diff := cmp.Diff(ops[0], next()); diff != "" {
		t.Fatalf("first operation (-want +got):\n%s", diff)
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		work, err := tx.NetflixPendingWork(T0.Add(time.Hour), 10)
		if err != nil || len(work) != 1 || work[0] != (crmapi.NetflixWork{OrganisationID: a.Org.ID, SubscriptionID: sub.ID}) {
			t.Errorf("NetflixPendingWork = %v, %v", work, err)
		}
		work, _ = tx.NetflixPendingWork(T0, 10)
		if len(work) != 0 {
			t.Errorf("NetflixPendingWork before any was created = %v", work)
		}
		return nil
	})
	ops[0].Status, ops[0].Attempts, ops[0].LastError, ops[0].UpdatedAt = crmapi.OpDone, 2, "timeout", T0.Add(time.Minute)
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateNetflixOperation(ops[0]) })
	if got := next(); got.ID != ops[1].ID {
		t.Fatalf("after the first is done, next = %+v", got)
	}
	// A FAILED operation stays at the head: it blocks the ones behind it.
	ops[1].Status = crmapi.OpFailed
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateNetflixOperation(ops[1]) })
	if got := next(); got.ID != ops[1].ID || got.Status != crmapi.OpFailed {
		t.Fatalf("a failed operation is not at the head: %+v", got)
	}
	ops[1].Status, ops[2].Status = crmapi.OpSkipped, crmapi.OpDone
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		if err := tx.UpdateNetflixOperation(ops[1]); err != nil {
			return err
		}
		return tx.UpdateNetflixOperation(ops[2])
	})
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.NextNetflixOperation(a.Org.ID, sub.ID)
		wantCode(t, err, crmapi.NotFound)
		all, err := tx.NetflixOperations(a.Org.ID, sub.ID)
		if err != nil || len(all) != 3 || all[0].Attempts != 2 || all[0].LastError != "timeout" {
			t.Errorf("NetflixOperations = %+v, %v", all, err)
		}
		return nil
	})
}

func testNetflixPromotionsAndExtras(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	mustView(t, s, func(tx crmapi.Tx) error {
		promos, synced, err := tx.NetflixPromotions(a.Org.ID)
		if err != nil || len(promos) != 0 || synced != nil {
			t.Errorf("before any sync: %v %v %v", promos, synced, err)
		}
		return nil
	})
	exp := T0.AddDate(1, 0, 0)
	want := []crmapi.NetflixPromotion{
		{Code: "FREE1M", Name: "First month free", Description: "d", EffectiveFrom: T0},
		{Code: "HALF3M", Name: "Half price", EffectiveFrom: T0, ExpiresOn: &exp},
	}
	for range 2 {
		mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.ReplaceNetflixPromotions(a.Org.ID, want, T0) })
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		promos, synced, err := tx.NetflixPromotions(a.Org.ID)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(want, promos); diff != "" || synced == nil || !synced.Equal(T0) {
			t.Errorf("promotions (-want +got):\n%s synced %v", diff, synced)
		}
		return nil
	})
	sub := MustNetflixSubscription(t, s, a, "pci1", "PAI1")
	redeemed := []crmapi.NetflixRedemption{{NetflixPromotion: want[1], RedeemedAt: T0}}
	prices := []crmapi.NetflixPrice{{FormattedPrice: "€7.99", Amount: crmapi.MustAmount("7.99"), Currency: "EUR",
		Plan: "STANDARD", EffectiveDate: T0}}
	for range 2 {
		mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetNetflixExtras(a.Org.ID, sub.ID, redeemed, prices) })
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		gotR, gotP, err := tx.NetflixExtras(a.Org.ID, sub.ID)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(redeemed, gotR, cmp.AllowUnexported(crmapi.Amount{})); diff != "" {
			t.Errorf("redemptions (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(prices, gotP, cmp.AllowUnexported(crmapi.Amount{})); diff != "" {
			t.Errorf("prices (-want +got):\n%s", diff)
		}
		return nil
	})
}

// MustNetflixCharge stores a charge of sub with the given status.
func MustNetflixCharge(tb testing.TB, s crmapi.Store, sub crmapi.NetflixSubscription, status crmapi.NetflixChargeStatus) crmapi.NetflixCharge {
	tb.Helper()
	var c crmapi.NetflixCharge
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		n, err := tx.NextNumber(sub.OrganisationID, "NC")
		if err != nil {
			return err
		}
		c = NewNetflixCharge(sub, n, status)
		return tx.CreateNetflixCharge(c)
	})
	return c
}

// NewNetflixCharge returns charge number n of sub, not yet stored.
func NewNetflixCharge(sub crmapi.NetflixSubscription, n int64, status crmapi.NetflixChargeStatus) crmapi.NetflixCharge {
	c := crmapi.NetflixCharge{ID: crmapi.NewID(), OrganisationID: sub.OrganisationID, Number: crmapi.FormatNumber("NC", n),
		Ordinal: n, PartnerChargeID: "CH" + crmapi.NewID(), FeedSequence: n, SubscriptionID: sub.ID,
		CustomerID: sub.CustomerID, PAI: sub.PAI, Amount: crmapi.MustAmount("7.99"), Currency: "EUR",
		LocalAmount: crmapi.MustAmount("7.99"), LocalCurrency: "EUR", PeriodStart: T0, PaidThroughDate: T0.AddDate(0, 1, 0),
		Status: status, ReceivedOn: T0, CreatedAt: T0}
	if status.Processed() {
		at := T0.Add(time.Minute)
		c.ProcessedOn = &at
	}
	return c
}

func testNetflixCharges(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	sub := MustNetflixSubscription(t, s, a, "pci1", "PAI1")
	pending := MustNetflixCharge(t, s, sub, crmapi.ChargePending)
	approved := MustNetflixCharge(t, s, sub, crmapi.ChargeApproved)
	declined := MustNetflixCharge(t, s, sub, crmapi.ChargeDeclined)
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		dup := pending
		dup.ID, dup.Number = crmapi.NewID(), "NC-other"
		return tx.CreateNetflixCharge(dup)
	})
	wantCode(t, err, crmapi.Conflict)
	list := func(f crmapi.NetflixChargeFilter) []string {
		t.Helper()
		var out []string
		mustView(t, s, func(tx crmapi.Tx) error {
			cs, err := tx.ListNetflixCharges(a.Org.ID, f)
			for _, c := range cs {
				out = append(out, c.Number)
			}
			return err
		})
		return out
	}
	if got := list(crmapi.NetflixChargeFilter{Limit: 50}); !cmp.Equal(got, []string{pending.Number}) {
		t.Errorf("not processed = %v", got)
	}
	if got := list(crmapi.NetflixChargeFilter{Processed: true, Limit: 50}); !cmp.Equal(got, []string{approved.Number, declined.Number}) {
		t.Errorf("processed = %v", got)
	}
	if got := list(crmapi.NetflixChargeFilter{Processed: true, Limit: 1, Offset: 1}); !cmp.Equal(got, []string{declined.Number}) {
		t.Errorf("processed, offset 1 = %v", got)
	}
	if got := list(crmapi.NetflixChargeFilter{Processed: true, Limit: 50, AfterOrdinal: approved.Ordinal}); !cmp.Equal(got, []string{declined.Number}) {
		t.Errorf("processed after cursor = %v", got)
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.NetflixChargeByPartnerID(a.Org.ID, approved.PartnerChargeID)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(approved, got, cmp.AllowUnexported(crmapi.Amount{})); diff != "" {
			t.Errorf("charge round trip (-want +got):\n%s", diff)
		}
		return nil
	})

	// Acknowledging the pending appearance leaves the charge to come back
	// once it is processed.
	at := T0.Add(time.Hour)
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		ok, err := tx.AcknowledgeNetflixCharge(a.Org.ID, pending.ID, false, "R1", at)
		if !ok {
			t.Error("first acknowledgement not applied")
		}
		again, err2 := tx.AcknowledgeNetflixCharge(a.Org.ID, pending.ID, false, "R2", at)
		if again {
			t.Error("second acknowledgement applied")
		}
		wrongGroup, err3 := tx.AcknowledgeNetflixCharge(a.Org.ID, approved.ID, false, "", at)
		if wrongGroup {
			t.Error("processed charge acknowledged as pending")
		}
		if err != nil || err2 != nil || err3 != nil {
			t.Errorf("acknowledge errors %v %v %v", err, err2, err3)
		}
		return nil
	})
	if got := list(crmapi.NetflixChargeFilter{Limit: 50}); len(got) != 0 {
		t.Errorf("not processed after acknowledgement = %v", got)
	}
	processed := pending
	processed.Status, processed.ProcessedOn, processed.FeedSequence = crmapi.ChargeApproved, &at, 99
	processed.Decision, processed.DecisionReference, processed.DecisionAt = "ACCEPTED", "D1", &at
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateNetflixCharge(processed) })
	if got := list(crmapi.NetflixChargeFilter{Processed: true, Limit: 50}); !cmp.Equal(got, []string{processed.Number, approved.Number, declined.Number}) {
		t.Errorf("processed after processing = %v", got)
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.NetflixChargeByNumber(a.Org.ID, processed.Number)
		if err != nil {
			return err
		}
		if got.PendingAckRef != "R1" || got.PendingAckAt == nil || got.Decision != "ACCEPTED" || got.FeedSequence != 99 {
			t.Errorf("after update = %+v", got)
		}
		if ok, ref := got.Acknowledged(); ok || ref != "" {
			t.Errorf("processed appearance reported acknowledged: %v %q", ok, ref)
		}
		return nil
	})

	// References are unique per organisation.
	ref := crmapi.NetflixReference{OrganisationID: a.Org.ID, Reference: "R1", ChargeID: pending.ID, Use: "ACKNOWLEDGE_PENDING", CreatedAt: at}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.ClaimNetflixReference(ref) })
	err = s.Update(context.Background(), func(tx crmapi.Tx) error {
		other := ref
		other.ChargeID = approved.ID
		return tx.ClaimNetflixReference(other)
	})
	wantCode(t, err, crmapi.Conflict)
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		got, err := tx.NetflixReferenceByValue(a.Org.ID, "R1")
		if err != nil {
			return err
		}
		if got != ref {
			t.Errorf("reference = %+v, want %+v", got, ref)
		}
		// A conflict inside a transaction does not spoil it (PostgreSQL).
		if err := tx.ClaimNetflixReference(ref); crmapi.ErrorCode(err) != crmapi.Conflict {
			t.Errorf("reclaim = %v", err)
		}
		return tx.DeleteNetflixReference(a.Org.ID, "R1")
	})
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.NetflixReferenceByValue(a.Org.ID, "R1")
		wantCode(t, err, crmapi.NotFound)
		return nil
	})
}

func testNetflixFeedCursor(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	mustView(t, s, func(tx crmapi.Tx) error {
		c, err := tx.NetflixFeedCursor(a.Org.ID)
		if err != nil || c != "" {
			t.Errorf("initial cursor = %q, %v", c, err)
		}
		return nil
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetNetflixFeedCursor(a.Org.ID, "", "c1", T0) })
	err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.SetNetflixFeedCursor(a.Org.ID, "", "c2", T0) })
	wantCode(t, err, crmapi.Conflict)
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetNetflixFeedCursor(a.Org.ID, "c1", "c2", T0) })
	// The promotions sync and the feed cursor share a row; neither clobbers the other.
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.ReplaceNetflixPromotions(a.Org.ID, nil, T0) })
	mustView(t, s, func(tx crmapi.Tx) error {
		c, err := tx.NetflixFeedCursor(a.Org.ID)
		if err != nil || c != "c2" {
			t.Errorf("cursor = %q, %v", c, err)
		}
		return nil
	})
}

func testNetflixIsolation(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	sub := MustNetflixSubscription(t, s, a, "pci1", "PAI1")
	ch := MustNetflixCharge(t, s, sub, crmapi.ChargeApproved)
	// The same customer id and reference may exist in another organisation.
	MustNetflixSubscription(t, s, b, "pci1", "PAI1")
	mustView(t, s, func(tx crmapi.Tx) error {
		for name, err := range map[string]error{
			"by id":     second(tx.NetflixSubscriptionByID(b.Org.ID, sub.ID)),
			"by number": second(tx.NetflixChargeByNumber(b.Org.ID, ch.Number)),
			"charge":    second(tx.NetflixChargeByID(b.Org.ID, ch.ID)),
			"partner":   second(tx.NetflixChargeByPartnerID(b.Org.ID, ch.PartnerChargeID)),
		} {
			if crmapi.ErrorCode(err) != crmapi.NotFound {
				t.Errorf("%s: other organisation's row found (%v)", name, err)
			}
		}
		list, err := tx.ListNetflixCharges(b.Org.ID, crmapi.NetflixChargeFilter{Processed: true, Limit: 50})
		if err != nil || len(list) != 0 {
			t.Errorf("b lists a's charges: %v %v", list, err)
		}
		subs, _ := tx.NetflixSubscriptionsOf(b.Org.ID, "pci1", "")
		for _, x := range subs {
			if x.OrganisationID != b.Org.ID {
				t.Errorf("foreign subscription %+v", x)
			}
		}
		return nil
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		ok, err := tx.AcknowledgeNetflixCharge(b.Org.ID, ch.ID, true, "", T0)
		if ok {
			t.Error("b acknowledged a's charge")
		}
		if err := tx.ClaimNetflixReference(crmapi.NetflixReference{OrganisationID: a.Org.ID, Reference: "R", ChargeID: ch.ID, Use: "ACCEPT", CreatedAt: T0}); err != nil {
			return err
		}
		_, err2 := tx.NetflixReferenceByValue(b.Org.ID, "R")
		wantCode(t, err2, crmapi.NotFound)
		return err
	})
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		x := sub
		x.OrganisationID = b.Org.ID
		return tx.UpdateNetflixSubscription(x)
	})
	wantCode(t, err, crmapi.NotFound)
}

func second[T any](_ T, err error) error { return err }
