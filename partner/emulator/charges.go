package emulator

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/crmapi/crmapi/partner"
)

// Cursors are opaque to the caller. Inside, one names this emulator
// instance and the number of entries already read, so that a cursor kept
// across an emulator restart (which loses the feed) is refused rather than
// silently skipping charges.

func (e *Emulator) encodeCursor(read int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1." + e.epoch + "." + strconv.Itoa(read)))
}

func (e *Emulator) decodeCursor(c string, feedLen int) (int, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, fmt.Errorf("malformed cursor")
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return 0, fmt.Errorf("malformed cursor")
	}
	if parts[1] != e.epoch {
		return 0, fmt.Errorf("cursor belongs to another feed (the partner lost its state); read again from the beginning")
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 0 || n > feedLen {
		return 0, fmt.Errorf("cursor is beyond the feed")
	}
	return n, nil
}

func (e *Emulator) handleCharges(q *apiRequest) (int, any) {
	v := q.r.URL.Query()
	limit := partner.DefaultChargesLimit
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return errorBody(partner.CodeInvalidRequest, "limit must be a positive integer")
		}
		limit = min(n, partner.MaxChargesLimit)
	}
	from, err := e.decodeCursor(v.Get("cursor"), len(q.op.feed))
	if err != nil {
		return errorBody(partner.CodeInvalidRequest, err.Error())
	}
	to := min(from+limit, len(q.op.feed))
	return http.StatusOK, partner.ChargesPage{
		Entries:    append([]partner.Charge{}, q.op.feed[from:to]...),
		NextCursor: e.encodeCursor(to),
		HasMore:    to < len(q.op.feed),
	}
}

// chargeAction returns the handler that settles a PENDING charge ahead of
// the partner's own processing. Repeating the settlement a charge already
// has succeeds without change; asking for the other one is refused.
func (e *Emulator) chargeAction(status partner.ChargeStatus) apiHandler {
	return func(q *apiRequest) (int, any) {
		c := q.op.charges[q.r.PathValue("id")]
		if c == nil {
			return errorBody(partner.CodeNotFound, "no such charge")
		}
		switch c.Status {
		case partner.ChargePending:
			e.settleLocked(c, status, q.now)
		case status:
		default:
			return errorBody(partner.CodeInvalidState, fmt.Sprintf("charge is already %s", c.Status))
		}
		return http.StatusOK, c.Charge
	}
}
