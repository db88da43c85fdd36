package service

import (
	"context"
	"time"

	"github.com/crmapi/crmapi"
)

// MaxTestClockStep bounds one move of a test clock.
const MaxTestClockStep = 400 * 24 * time.Hour

// AdvanceTestClock moves a test organisation's clock forward by d and
// returns the organisation's new now. Everything that reads the
// organisation's time follows it: token validity, authorisation expiry,
// dates written on the wire. Production organisations refuse it.
// Codes: PERMISSION_DENIED (not a test organisation), INVALID_PARAMETER.
func (s *AuthService) AdvanceTestClock(ctx context.Context, org crmapi.Organisation, d time.Duration) (time.Time, error) {
	if !org.Test {
		return time.Time{}, crmapi.Errorf(crmapi.PermissionDenied, "Not a test organisation",
			"only organisations created as test organisations have a test clock")
	}
	if d <= 0 || d > MaxTestClockStep {
		return time.Time{}, crmapi.Invalid("seconds", "between 1 second and 400 days")
	}
	var now time.Time
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		cur, err := tx.OrganisationByID(org.ID)
		if err != nil {
			return err
		}
		cur.ClockOffset += d
		now = cur.Now(s.clock)
		return tx.SetOrganisationClockOffset(org.ID, cur.ClockOffset)
	})
	s.cache.dropOrganisation(org.ID)
	return now, err
}
