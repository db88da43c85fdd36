package httpapi

import (
	"time"

	"github.com/crmapi/crmapi"
)

// testClockView is the test clock of the caller's organisation (extension).
type testClockView struct {
	TestOrganisation bool   `json:"test_organisation"`
	Now              string `json:"now"`
	OffsetSeconds    int64  `json:"offset_seconds"`
}

func (s *Server) showTestClock(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	o := req.caller.Organisation
	return testClockView{TestOrganisation: o.Test, Now: formatDate(o.Now(s.svc.Clock()), req.loc()),
		OffsetSeconds: int64(o.ClockOffset / time.Second)}, nil
}

func (s *Server) advanceTestClock(req *request) (any, error) {
	var p struct {
		Seconds int64 `json:"seconds" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	if p.Seconds <= 0 {
		return nil, crmapi.Invalid("seconds", "must be positive")
	}
	now, err := s.svc.Auth.AdvanceTestClock(req.ctx(), req.caller.Organisation, time.Duration(p.Seconds)*time.Second)
	if err != nil {
		return nil, err
	}
	o := req.caller.Organisation
	return testClockView{TestOrganisation: true, Now: formatDate(now, req.loc()),
		OffsetSeconds: int64((o.ClockOffset + time.Duration(p.Seconds)*time.Second) / time.Second)}, nil
}
