package storetest

import (
	"context"
	"sort"
	"strings"
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
	addCase("NetflixChargesOfCustomer", testNetflixChargesOfCustomer)
	addCase("NetflixChargeBatches", testNetflixChargeBatches)
	addCase("NetflixFeedCursor", testNetflixFeedCursor)
	addCase("NetflixIsolation", testNetflixIsolation)
	addCase("NetflixChargeProblems", testNetflixChargeProblems)
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
		if err != nil || len(work) != 1 || work[0] != (crmapi.NetflixWork{OrganisationID: a.Org.ID, SubscriptionID: sub.ID, Sequence: 1}) {
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

func testNetflixChargesOfCustomer(t *testing.T, s crmapi.Store) {
	a, b := MustTenant(t, s, "ACME"), MustTenant(t, s, "GLOBEX")
	mine := MustNetflixSubscription(t, s, a, "pci1", "PAI1")
	first := MustNetflixCharge(t, s, mine, crmapi.ChargeApproved)
	MustNetflixCharge(t, s, MustNetflixSubscription(t, s, a, "pci2", "PAI2"), crmapi.ChargeApproved)
	MustNetflixCharge(t, s, MustNetflixSubscription(t, s, b, "pci1", "PAI9"), crmapi.ChargeApproved)
	second := MustNetflixCharge(t, s, mine, crmapi.ChargePending)
	list := func(org crmapi.Organisation, customer string, limit int) []string {
		t.Helper()
		var out []string
		mustView(t, s, func(tx crmapi.Tx) error {
			cs, err := tx.NetflixChargesOfCustomer(org.ID, customer, limit)
			for _, c := range cs {
				out = append(out, c.Number)
			}
			return err
		})
		return out
	}
	if got := list(a.Org, "pci1", 10); !cmp.Equal(got, []string{second.Number, first.Number}) {
		t.Errorf("pci1's charges = %v, want newest first, only this customer's, only ACME's", got)
	}
	if got := list(a.Org, "pci1", 1); !cmp.Equal(got, []string{second.Number}) {
		t.Errorf("limit 1 = %v", got)
	}
	if got := list(a.Org, "nobody", 10); len(got) != 0 {
		t.Errorf("unknown customer = %v", got)
	}
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

// The charges check (reliability promise M3): what the acknowledge, accept
// and decline methods write is consistent; each way of breaking it through
// the store is reported once, naming the charge and the reference, and
// never in another organisation's answer.
func testNetflixChargeProblems(t *testing.T, s crmapi.Store) {
	a, b := MustTenant(t, s, "ACME"), MustTenant(t, s, "Globex")
	at := T0.Add(time.Hour)
	problems := func(tn Tenant) []crmapi.NetflixChargeProblem {
		t.Helper()
		var out []crmapi.NetflixChargeProblem
		mustView(t, s, func(tx crmapi.Tx) error {
			var err error
			out, err = tx.NetflixChargeProblems(tn.Org.ID)
			return err
		})
		if out == nil {
			t.Errorf("%s: nil list, want an empty one", tn.Org.Name)
		}
		return out
	}
	// What the service writes: a reference number claimed with the
	// acknowledgement or decision it names, in one transaction.
	claim := func(tx crmapi.Tx, tn Tenant, c crmapi.NetflixCharge, ref, use string) error {
		return tx.ClaimNetflixReference(crmapi.NetflixReference{OrganisationID: tn.Org.ID, Reference: ref, ChargeID: c.ID, Use: use, CreatedAt: at})
	}
	ack := func(tx crmapi.Tx, tn Tenant, c crmapi.NetflixCharge, processed bool, ref string) error {
		if ref != "" {
			if err := claim(tx, tn, c, ref, "ACKNOWLEDGE"); err != nil {
				return err
			}
		}
		ok, err := tx.AcknowledgeNetflixCharge(tn.Org.ID, c.ID, processed, ref, at)
		if err == nil && !ok {
			t.Errorf("acknowledgement of %s with %q not applied", c.Number, ref)
		}
		return err
	}
	decide := func(tx crmapi.Tx, tn Tenant, c *crmapi.NetflixCharge, decision, ref string) error {
		if ref != "" {
			if err := claim(tx, tn, *c, ref, decision); err != nil {
				return err
			}
		}
		c.Decision, c.DecisionReference, c.DecisionAt = decision, ref, &at
		return tx.UpdateNetflixCharge(*c)
	}

	sub := MustNetflixSubscription(t, s, a, "pci1", "PAI1")
	ackedPending := MustNetflixCharge(t, s, sub, crmapi.ChargePending)
	ackedNoRef := MustNetflixCharge(t, s, sub, crmapi.ChargeApproved)
	accepted := MustNetflixCharge(t, s, sub, crmapi.ChargePending)
	declinedNoRef := MustNetflixCharge(t, s, sub, crmapi.ChargePending)
	twice := MustNetflixCharge(t, s, sub, crmapi.ChargePending)
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		for _, err := range []error{
			ack(tx, a, ackedPending, false, "ACK-1"),
			ack(tx, a, ackedNoRef, true, ""),
			decide(tx, a, &accepted, "ACCEPTED", "DEC-1"),
			decide(tx, a, &declinedNoRef, "DECLINED", ""),
			// Acknowledged while pending, processed, acknowledged again.
			ack(tx, a, twice, false, "ACK-2"),
		} {
			if err != nil {
				return err
			}
		}
		twice.Status, twice.ProcessedOn, twice.FeedSequence = crmapi.ChargeApproved, &at, 99
		if err := tx.UpdateNetflixCharge(twice); err != nil {
			return err
		}
		return ack(tx, a, twice, true, "ACK-3")
	})
	bSub := MustNetflixSubscription(t, s, b, "pci1", "PAI1")
	bCharge := MustNetflixCharge(t, s, bSub, crmapi.ChargePending)
	bAcked := MustNetflixCharge(t, s, bSub, crmapi.ChargePending)
	mustUpdate(t, s, func(tx crmapi.Tx) error { return ack(tx, b, bAcked, false, "ACK-1") })
	for _, tn := range []Tenant{a, b} {
		if got := problems(tn); len(got) != 0 {
			t.Fatalf("%s: consistent charges reported: %+v", tn.Org.Name, got)
		}
	}

	// B's problem is B's alone.
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		return second(tx.AcknowledgeNetflixCharge(b.Org.ID, bCharge.ID, false, "B-GHOST", at))
	})
	if got := problems(b); len(got) != 1 || got[0].ChargeNumber != bCharge.Number || !strings.Contains(got[0].Problem, "B-GHOST") {
		t.Fatalf("B's problems = %+v, want one naming %s and B-GHOST", got, bCharge.Number)
	}

	fresh := func() crmapi.NetflixCharge { return MustNetflixCharge(t, s, sub, crmapi.ChargePending) }
	ghost, half, borrower, undecided, refOnly, noTime := fresh(), fresh(), fresh(), fresh(), fresh(), fresh()
	// A charge written with an acknowledgement reference and no time
	// (its reference recorded, so that the time is all that is wrong).
	var bare crmapi.NetflixCharge
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		n, err := tx.NextNumber(a.Org.ID, "NC")
		if err != nil {
			return err
		}
		bare = NewNetflixCharge(sub, n, crmapi.ChargePending)
		bare.PendingAckRef = "NO-TIME"
		if err := tx.CreateNetflixCharge(bare); err != nil {
			return err
		}
		return claim(tx, a, bare, "NO-TIME", "ACKNOWLEDGE")
	})
	breaks := []struct {
		name     string
		apply    func(tx crmapi.Tx) error
		charge   string // the charge number the new problems name
		mentions string // and the reference (or decision, or status) they name
		want     int    // how many new problems
	}{
		{"acknowledged with a reference never recorded", func(tx crmapi.Tx) error {
			return second(tx.AcknowledgeNetflixCharge(a.Org.ID, ghost.ID, false, "GHOST-1", at))
		}, ghost.Number, "GHOST-1", 1},
		{"reference claimed, acknowledgement not applied", func(tx crmapi.Tx) error {
			return claim(tx, a, half, "HALF-1", "ACKNOWLEDGE")
		}, half.Number, "HALF-1", 1},
		{"acknowledged with another charge's reference", func(tx crmapi.Tx) error {
			return second(tx.AcknowledgeNetflixCharge(a.Org.ID, borrower.ID, false, "HALF-1", at))
		}, borrower.Number, "HALF-1", 1},
		{"an applied acknowledgement's reference deleted", func(tx crmapi.Tx) error {
			return tx.DeleteNetflixReference(a.Org.ID, "ACK-1")
		}, ackedPending.Number, "ACK-1", 1},
		{"a processed acknowledgement's reference deleted", func(tx crmapi.Tx) error {
			return tx.DeleteNetflixReference(a.Org.ID, "ACK-3")
		}, twice.Number, "ACK-3", 1},
		{"a decision with a reference never recorded", func(tx crmapi.Tx) error {
			c := ghost
			c.Decision, c.DecisionReference, c.DecisionAt = "DECLINED", "GHOST-2", &at
			return tx.UpdateNetflixCharge(c)
		}, ghost.Number, "GHOST-2", 1},
		{"decision reference claimed, decision not applied", func(tx crmapi.Tx) error {
			return claim(tx, a, undecided, "HALF-2", "ACCEPTED")
		}, undecided.Number, "HALF-2", 1},
		{"an applied decision's reference recorded as the other decision", func(tx crmapi.Tx) error {
			if err := tx.DeleteNetflixReference(a.Org.ID, "DEC-1"); err != nil {
				return err
			}
			return claim(tx, a, accepted, "DEC-1", "DECLINED")
		}, accepted.Number, "DEC-1", 2}, // the charge's decision and the reference disagree both ways
		{"a decision without its time", func(tx crmapi.Tx) error {
			c := noTime
			c.Decision, c.DecisionReference, c.DecisionAt = "ACCEPTED", "", nil
			return tx.UpdateNetflixCharge(c)
		}, noTime.Number, "ACCEPTED", 1},
		{"a decision reference without a decision", func(tx crmapi.Tx) error {
			c := refOnly
			c.DecisionReference = "NO-DECISION"
			return tx.UpdateNetflixCharge(c)
		}, refOnly.Number, "NO-DECISION", 1},
		{"a processed acknowledgement on a PENDING charge", func(tx crmapi.Tx) error {
			c := ackedNoRef
			c.Status, c.ProcessedOn = crmapi.ChargePending, nil
			return tx.UpdateNetflixCharge(c)
		}, ackedNoRef.Number, "PENDING", 1},
		{"a reference of unknown use", func(tx crmapi.Tx) error {
			return claim(tx, a, declinedNoRef, "ODD-1", "ACKNOWLEDGE_PENDING")
		}, declinedNoRef.Number, "ODD-1", 1},
		{"a reference naming another organisation's charge", func(tx crmapi.Tx) error {
			return claim(tx, a, bCharge, "CROSS-1", "ACKNOWLEDGE")
		}, "", "CROSS-1", 1},
	}
	// The bare charge is broken from the start.
	got := problems(a)
	if len(got) != 1 || got[0].ChargeNumber != bare.Number || !strings.Contains(got[0].Problem, "NO-TIME") {
		t.Fatalf("after writing a charge with an acknowledgement reference and no time: %+v, want one naming %s and NO-TIME", got, bare.Number)
	}
	seen := map[crmapi.NetflixChargeProblem]bool{got[0]: true}
	for _, brk := range breaks {
		mustUpdate(t, s, brk.apply)
		got := problems(a)
		var added []crmapi.NetflixChargeProblem
		for _, p := range got {
			if !seen[p] {
				added = append(added, p)
			}
		}
		want := brk.want
		named := 0
		for _, p := range added {
			if p.ChargeNumber == brk.charge && strings.Contains(p.Problem, brk.mentions) {
				named++
			}
		}
		if len(added) != want || named != want {
			t.Errorf("%s: new problems %+v, want %d naming charge %q and %s (all: %+v)", brk.name, added, want, brk.charge, brk.mentions, got)
		}
		for _, p := range got {
			seen[p] = true
			if strings.Contains(p.Problem, "B-GHOST") || p.ChargeNumber == "" && !strings.Contains(p.Problem, "does not have") {
				t.Errorf("A's problems show %+v", p)
			}
			if p.Problem == "" {
				t.Errorf("a problem without a sentence: %+v", p)
			}
		}
		if len(got) != len(seen) {
			t.Errorf("%s: %d problems, %d distinct ever seen: an earlier problem vanished or one repeats: %+v", brk.name, len(got), len(seen), got)
		}
	}
	// In charge number order; B still sees only its own.
	got = problems(a)
	for i := 1; i < len(got); i++ {
		if got[i].ChargeNumber < got[i-1].ChargeNumber {
			t.Errorf("not in charge order: %+v", got)
			break
		}
	}
	if got := problems(b); len(got) != 1 {
		t.Errorf("B's problems after A's were broken = %+v", got)
	}
	for _, p := range got {
		t.Logf("%s: %s", p.ChargeNumber, p.Problem)
	}
}

func second[T any](_ T, err error) error { return err }

// testNetflixChargeBatches checks the set-based statements of a batch
// acknowledgement: the read by numbers, the claim of references and the
// conditional update, each confined to its organisation.
func testNetflixChargeBatches(t *testing.T, s crmapi.Store) {
	a, b := MustTenant(t, s, "ACME"), MustTenant(t, s, "GLOBEX")
	sub := MustNetflixSubscription(t, s, a, "pci1", "PAI1")
	pending := MustNetflixCharge(t, s, sub, crmapi.ChargePending)
	approved := MustNetflixCharge(t, s, sub, crmapi.ChargeApproved)
	declined := MustNetflixCharge(t, s, sub, crmapi.ChargeDeclined)
	foreign := MustNetflixCharge(t, s, MustNetflixSubscription(t, s, b, "pci1", "PAI9"), crmapi.ChargeApproved)
	at := T0.Add(time.Hour)

	mustUpdate(t, s, func(tx crmapi.Tx) error {
		got, err := tx.NetflixChargesByNumbers(a.Org.ID, []string{declined.Number, "NC-MISSING", pending.Number, foreign.Number, approved.Number})
		if err != nil {
			return err
		}
		var numbers []string
		for _, c := range got {
			numbers = append(numbers, c.Number)
		}
		want := []string{pending.Number, approved.Number, declined.Number}
		sort.Strings(want)
		if !cmp.Equal(numbers, want) {
			t.Errorf("charges by numbers = %v, want %v (byte order, this organisation's only)", numbers, want)
		}
		if len(got) > 0 && got[0].ID == "" {
			t.Errorf("charge read without its id: %+v", got[0])
		}
		return nil
	})

	// B already holds "R1": that does not take it from A. A's "R2" is taken.
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		return tx.ClaimNetflixReference(crmapi.NetflixReference{OrganisationID: b.Org.ID, Reference: "R1", ChargeID: foreign.ID, Use: "ACKNOWLEDGE", CreatedAt: at})
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		return tx.ClaimNetflixReference(crmapi.NetflixReference{OrganisationID: a.Org.ID, Reference: "R2", ChargeID: declined.ID, Use: "ACKNOWLEDGE", CreatedAt: at})
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		claimed, err := tx.ClaimNetflixReferences([]crmapi.NetflixReference{
			{OrganisationID: a.Org.ID, Reference: "R1", ChargeID: pending.ID, Use: "ACKNOWLEDGE", CreatedAt: at},
			{OrganisationID: a.Org.ID, Reference: "R2", ChargeID: approved.ID, Use: "ACKNOWLEDGE", CreatedAt: at},
			{OrganisationID: a.Org.ID, Reference: "R3", ChargeID: approved.ID, Use: "ACKNOWLEDGE", CreatedAt: at},
		})
		if err != nil {
			return err
		}
		sort.Strings(claimed)
		if !cmp.Equal(claimed, []string{"R1", "R3"}) {
			t.Errorf("claimed = %v, want [R1 R3] (R2 was taken)", claimed)
		}
		r, err := tx.NetflixReferenceByValue(a.Org.ID, "R2")
		if err != nil || r.ChargeID != declined.ID {
			t.Errorf("the taken R2 changed: %+v, %v", r, err)
		}
		return nil
	})

	// The pending charge is acknowledged as pending, the approved one as
	// processed; the approved one again, the pending one as processed (its
	// status is PENDING) and the other organisation's charge are not.
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		done, err := tx.AcknowledgeNetflixCharges(a.Org.ID, []crmapi.NetflixChargeAck{
			{ChargeID: pending.ID, Processed: false, Reference: "R1"},
			{ChargeID: approved.ID, Processed: true, Reference: "R3"},
			{ChargeID: foreign.ID, Processed: true, Reference: ""},
		}, at)
		if err != nil {
			return err
		}
		sort.Strings(done)
		want := []string{pending.ID, approved.ID}
		sort.Strings(want)
		if !cmp.Equal(done, want) {
			t.Errorf("acknowledged = %v, want %v", done, want)
		}
		again, err := tx.AcknowledgeNetflixCharges(a.Org.ID, []crmapi.NetflixChargeAck{
			{ChargeID: approved.ID, Processed: true, Reference: "R9"},
			{ChargeID: pending.ID, Processed: true, Reference: "R8"},
		}, at)
		if err != nil {
			return err
		}
		if len(again) != 0 {
			t.Errorf("acknowledged again = %v, want none", again)
		}
		return nil
	})
	mustView(t, s, func(tx crmapi.Tx) error {
		p, err := tx.NetflixChargeByID(a.Org.ID, pending.ID)
		if err != nil {
			return err
		}
		if p.PendingAckRef != "R1" || p.PendingAckAt == nil || !p.PendingAckAt.Equal(at) || p.ProcessedAckAt != nil {
			t.Errorf("pending charge after the batch = %+v", p)
		}
		ap, err := tx.NetflixChargeByID(a.Org.ID, approved.ID)
		if err != nil {
			return err
		}
		if ap.ProcessedAckRef != "R3" || ap.ProcessedAckAt == nil {
			t.Errorf("approved charge after the batch = %+v", ap)
		}
		f, err := tx.NetflixChargeByID(b.Org.ID, foreign.ID)
		if err != nil {
			return err
		}
		if f.ProcessedAckAt != nil {
			t.Errorf("the other organisation's charge was acknowledged: %+v", f)
		}
		return nil
	})
}
