package service

import (
	"time"

	"github.com/crmapi/crmapi"
)

// The rules of usage allowance: what an authorisation may take on each
// service, and whether posted usage stays within it. They are pure
// functions of the catalogue, the settings and the usage already posted,
// so that docs/usage-authorisations.md can show them worked by hand.

// usedWindows is the usage an account posted today and in the current
// billing cycle, by service.
type usedWindows struct {
	day   map[string]crmapi.ServiceUsage
	cycle map[string]crmapi.ServiceUsage
}

// windows returns the calendar day and the billing cycle (the calendar
// month) containing now, in the organisation's time zone.
func windows(now time.Time, loc *time.Location) (dayFrom, dayTo, cycleFrom, cycleTo time.Time) {
	l := now.In(loc)
	dayFrom = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	cycleFrom = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	return dayFrom, dayFrom.AddDate(0, 0, 1), cycleFrom, cycleFrom.AddDate(0, 1, 0)
}

func loadUsage(tx crmapi.Tx, org crmapi.Organisation, accountID string, now time.Time) (usedWindows, error) {
	dayFrom, dayTo, cycleFrom, cycleTo := windows(now, org.Location())
	w := usedWindows{day: map[string]crmapi.ServiceUsage{}, cycle: map[string]crmapi.ServiceUsage{}}
	day, err := tx.UsageTotals(org.ID, accountID, dayFrom, dayTo)
	if err != nil {
		return w, err
	}
	cycle, err := tx.UsageTotals(org.ID, accountID, cycleFrom, cycleTo)
	for _, u := range day {
		w.day[u.ServiceID] = u
	}
	for _, u := range cycle {
		w.cycle[u.ServiceID] = u
	}
	return w, err
}

// on sums the usage of the services a target covers.
func on(used map[string]crmapi.ServiceUsage, cat crmapi.Catalogue, t crmapi.Target) (crmapi.Quantity, crmapi.Amount) {
	var q crmapi.Quantity
	var a crmapi.Amount
	for id, u := range used {
		if s, ok := cat.Services[id]; ok && t.Covers(s) {
			q, a = q.Add(u.Usage), a.Add(u.Amount)
		}
	}
	return q, a
}

// allowedServices computes the services snapshot of an authorisation of
// amount: one entry per allowance limit, in the order the limits were set,
// then (unless the settings block unlisted services) one per service that
// no limit covers.
//
// For a limit, maximum_amount is the authorised amount capped by the
// per-transaction amount limit, by the per-day limit less the usage
// already rated today and by the per-cycle limit less the usage rated this
// cycle, every limit first widened by the over-limit percentage; it is
// rounded down to the currency's minor unit and never below zero.
// maximum_usage is the whole number of units maximum_amount buys at the
// unit rate (the cheapest service of the target, for a service type or a
// family), capped alike by the usage limits, and rounded down.
//
// A service that no limit covers may take the whole amount.
func allowedServices(cat crmapi.Catalogue, set crmapi.AllowanceSettings, used usedWindows, amount crmapi.Amount, currency string) []crmapi.AuthorisationService {
	pct := set.OverLimitPercentage
	var out []crmapi.AuthorisationService
	for _, l := range set.Limits {
		dayUsage, dayAmount := on(used.day, cat, l.Target)
		cycleUsage, cycleAmount := on(used.cycle, cat, l.Target)
		maxAmount := amount
		capAmount := func(limit *crmapi.Amount, spent crmapi.Amount) {
			if limit != nil {
				maxAmount = maxAmount.Min(crmapi.Widen(*limit, pct).Sub(spent))
			}
		}
		capAmount(l.MaxAmountPerTransaction, crmapi.Amount{})
		capAmount(l.MaxAmountPerDay, dayAmount)
		capAmount(l.MaxAmountPerCycle, cycleAmount)
		if maxAmount.IsNegative() {
			maxAmount = crmapi.Amount{}
		}
		maxAmount = crmapi.FloorToCurrency(maxAmount, currency)

		var maxUsage crmapi.Quantity
		if rate, ok := cheapest(cat.ServicesIn(l.Target)); ok {
			maxUsage = crmapi.QuantityFromInt(rate.QuantityWithin(maxAmount))
			capUsage := func(limit *crmapi.Quantity, spent crmapi.Quantity) {
				if limit != nil {
					maxUsage = maxUsage.Min(crmapi.WidenQuantity(*limit, pct).Sub(spent))
				}
			}
			capUsage(l.MaxUsagePerTransaction, crmapi.Quantity{})
			capUsage(l.MaxUsagePerDay, dayUsage)
			capUsage(l.MaxUsagePerCycle, cycleUsage)
			maxUsage = maxUsage.Floor()
		}
		out = append(out, crmapi.AuthorisationService{ID: crmapi.NewID(), Target: l.Target,
			MaximumAmount: maxAmount, MaximumUsage: maxUsage})
	}
	if set.BlockUnlisted {
		return out
	}
	for _, svc := range cat.ServiceList() {
		if covered(set.Limits, svc) {
			continue
		}
		out = append(out, crmapi.AuthorisationService{ID: crmapi.NewID(),
			Target:        crmapi.Target{Kind: crmapi.TargetService, ID: svc.ID},
			MaximumAmount: crmapi.FloorToCurrency(amount, currency),
			MaximumUsage:  crmapi.QuantityFromInt(svc.UnitRate.QuantityWithin(amount))})
	}
	return out
}

func cheapest(services []crmapi.UsageService) (crmapi.Amount, bool) {
	if len(services) == 0 {
		return crmapi.Amount{}, false
	}
	rate := services[0].UnitRate
	for _, s := range services[1:] {
		rate = rate.Min(s.UnitRate)
	}
	return rate, true
}

func covered(limits []crmapi.AllowanceLimit, s crmapi.UsageService) bool {
	for _, l := range limits {
		if l.Target.Covers(s) {
			return true
		}
	}
	return false
}

// ratedLine is one line of posted usage, rated.
type ratedLine struct {
	service crmapi.UsageService
	usage   crmapi.Quantity
	amount  crmapi.Amount
}

// governing returns the index of the entry that governs a service: the
// most specific one covering it (its own, else its type's, else its
// family's), or -1.
func governing(entries []crmapi.AuthorisationService, s crmapi.UsageService) int {
	best := -1
	for i, e := range entries {
		if e.Target.Covers(s) && (best < 0 || e.Target.MoreSpecific(entries[best].Target)) {
			best = i
		}
	}
	return best
}

// withinAllowance checks posted lines against an allowance: each line's
// service must be governed by an entry, and the lines an entry governs
// must together stay within its maximum usage and maximum amount.
// Codes: LIMIT_EXCEEDED.
func withinAllowance(cat crmapi.Catalogue, entries []crmapi.AuthorisationService, lines []ratedLine) error {
	usage := make([]crmapi.Quantity, len(entries))
	amount := make([]crmapi.Amount, len(entries))
	for _, l := range lines {
		i := governing(entries, l.service)
		if i < 0 {
			return crmapi.Errorf(crmapi.LimitExceeded, "Usage limit exceeded", "usage service %s is not allowed", l.service.Code)
		}
		usage[i], amount[i] = usage[i].Add(l.usage), amount[i].Add(l.amount)
	}
	for i, e := range entries {
		if usage[i].Cmp(e.MaximumUsage) > 0 {
			return crmapi.Errorf(crmapi.LimitExceeded, "Usage limit exceeded", "usage %s on %s exceeds its maximum_usage %s",
				usage[i], targetName(cat, e.Target), e.MaximumUsage)
		}
		if amount[i].Cmp(e.MaximumAmount) > 0 {
			return crmapi.Errorf(crmapi.LimitExceeded, "Usage limit exceeded", "rated amount %s on %s exceeds its maximum_amount %s",
				amount[i], targetName(cat, e.Target), e.MaximumAmount)
		}
	}
	return nil
}

// targetName names a target for an error's detail.
func targetName(cat crmapi.Catalogue, t crmapi.Target) string {
	switch t.Kind {
	case crmapi.TargetService:
		return "service " + cat.Services[t.ID].Code
	case crmapi.TargetServiceType:
		return "service type " + cat.ProductTypes[t.ID].Name
	case crmapi.TargetFamily:
		return "service family " + cat.Families[t.ID].Code
	}
	return string(t.Kind)
}
