package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crmapi/crmapi/partner"
)

// handleSignup creates an account in PENDING_SIGNUP and its sign-up token.
// The PAI is random: nothing about the customer goes into it.
func (e *Emulator) handleSignup(q *apiRequest) (int, any) {
	var req partner.SignupRequest
	if !decode(q.body, &req) {
		return errorBody(partner.CodeInvalidRequest, "body must be a JSON sign-up request")
	}
	req.Offer = strings.TrimSpace(req.Offer)
	req.Country = strings.ToUpper(strings.TrimSpace(req.Country))
	req.Channel = strings.ToUpper(strings.TrimSpace(req.Channel))
	switch {
	case !validID(req.Offer, 64) || req.Offer == Any:
		return errorBody(partner.CodeInvalidRequest, "offer is required")
	case !upperLetters(req.Country, 2):
		return errorBody(partner.CodeInvalidRequest, "country must be an ISO 3166-1 alpha-2 code")
	case req.Channel != "" && !slices.Contains(partner.Channels, req.Channel):
		return errorBody(partner.CodeInvalidRequest, "channel must be one of "+strings.Join(partner.Channels, ", "))
	case req.ValiditySeconds < 1 || req.ValiditySeconds > partner.MaxValiditySeconds:
		return errorBody(partner.CodeInvalidRequest, "validity_seconds must be within 1..86400")
	}
	price, ok := e.priceAtLocked(req.Offer, req.Country, q.now)
	if !ok {
		return errorBody(partner.CodeInvalidRequest, "offer "+req.Offer+" is not sold in "+req.Country)
	}
	var promo *partner.Promotion
	if req.PromotionCode != "" {
		for _, p := range e.promotionsLocked(req.Offer, req.Country, q.now) {
			if p.Code == req.PromotionCode && p.AvailableAt(q.now) {
				promo = &p
				break
			}
		}
		if promo == nil {
			return errorBody(partner.CodePromotionUnavailable,
				"promotion "+req.PromotionCode+" is not available for "+req.Offer+" in "+req.Country)
		}
	}

	a := &account{
		index:      len(e.accounts),
		operator:   q.op.id,
		pai:        randomHex(16),
		state:      partner.StatePendingSignup,
		offer:      req.Offer,
		country:    req.Country,
		channel:    req.Channel,
		promo:      promo,
		price:      price,
		createdAt:  q.now,
		token:      randomHex(24),
		tokenUntil: q.now.Add(time.Duration(req.ValiditySeconds) * time.Second),
	}
	e.accounts = append(e.accounts, a)
	e.byPAI[a.pai] = a
	e.tokens[a.token] = a
	q.op.accounts[a.pai] = a
	q.op.counters.signups++
	if q.op.signups[q.key]++; q.op.signups[q.key] > 1 {
		q.op.counters.duplicateSignups++
	}
	return http.StatusCreated, partner.Signup{
		PAI:            a.pai,
		SignupToken:    a.token,
		TokenExpiresAt: a.tokenUntil,
		SignupURL:      e.signupBase(q.r) + "/signup?token=" + url.QueryEscape(a.token),
	}
}

// signupBase is where customers' browsers reach the sign-up page.
func (e *Emulator) signupBase(r *http.Request) string {
	if e.publicURL != "" {
		return strings.TrimRight(e.publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// redeemLocked redeems a sign-up token: the account becomes EFFECTIVE, its
// promotion is redeemed and its first period billed at once.
func (e *Emulator) redeemLocked(token, email string, now time.Time) (*account, *partner.Error) {
	a := e.tokens[token]
	switch {
	case a == nil:
		return nil, pErr(partner.CodeNotFound, "This sign-up link is not valid.")
	case a.redeemed:
		return a, pErr(partner.CodeTokenUsed, "This sign-up link has already been used.")
	case a.state != partner.StatePendingSignup:
		return a, pErr(partner.CodeInvalidState, "This sign-up has been cancelled.")
	case !now.Before(a.tokenUntil):
		return a, pErr(partner.CodeTokenExpired, "This sign-up link has expired; ask your provider for a new one.")
	case email != "" && (len(email) > 254 || !strings.Contains(email, "@")):
		return a, pErr(partner.CodeInvalidRequest, "Please enter a valid email address.")
	}
	signed := now
	a.redeemed, a.email, a.signedUpAt = true, email, &signed
	a.state = partner.StateEffective
	a.price.EffectiveDate = now
	if a.promo != nil {
		p := a.promo
		a.promos = append(a.promos, partner.RedeemedPromotion{Code: p.Code, Name: p.Name, Description: p.Description,
			EffectiveFrom: p.EffectiveFrom, ExpiresOn: p.ExpiresOn, RedeemedAt: now})
	}
	a.anchor, a.periodIdx, a.nextBillAt = now, 0, now
	e.operators[a.operator].counters.redemptions++
	e.dueKnown = false
	e.catchUpLocked(now)
	return a, nil
}

func pErr(code, msg string) *partner.Error {
	return &partner.Error{Code: code, Message: msg, Status: partner.StatusOf(code)}
}

// RedeemToken redeems a sign-up token as the sign-up page does. A refusal
// is a *partner.Error carrying the code and status the page would answer.
func (e *Emulator) RedeemToken(token, email string) (partner.Account, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	e.catchUpLocked(now)
	a, err := e.redeemLocked(token, email, now)
	if err != nil {
		return partner.Account{}, err
	}
	return a.wire(), nil
}

// handleRedeemJSON is the machine form of the sign-up page.
func (e *Emulator) handleRedeemJSON(w http.ResponseWriter, r *http.Request) {
	var req partner.RedeemRequest
	if err := decodeRequest(w, r, &req); err != nil || req.Token == "" {
		writeError(w, partner.CodeInvalidRequest, "body must be {\"token\": ...}")
		return
	}
	acct, err := e.RedeemToken(req.Token, req.Email)
	if err != nil {
		pe := err.(*partner.Error)
		writeError(w, pe.Code, pe.Message)
		return
	}
	writeJSON(w, http.StatusOK, acct)
}

// signupView is what the sign-up page shows.
type signupView struct {
	Token       string
	Offer       string
	Country     string
	Price       string
	Promotion   string
	ExpiresAt   string
	Error       string
	Done        bool
	PAI         string
	Email       string
	PaidThrough string
}

func (e *Emulator) viewLocked(a *account) signupView {
	v := signupView{Token: a.token, Offer: a.offer, Country: a.country, PAI: a.pai, Email: a.email,
		Price:     a.price.FormattedPrice,
		ExpiresAt: a.tokenUntil.Format(time.RFC1123)}
	if v.Price == "" {
		v.Price = formatPrice(a.price.Amount, a.price.Currency)
	}
	if a.promo != nil {
		v.Promotion = a.promo.Name
	}
	return v
}

// handleSignupPage shows the offer and the form that redeems the token.
func (e *Emulator) handleSignupPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	e.mu.Lock()
	now := e.nowLocked()
	e.catchUpLocked(now)
	a := e.tokens[token]
	var v signupView
	status := http.StatusOK
	switch {
	case a == nil:
		status, v.Error = http.StatusNotFound, "This sign-up link is not valid."
	case a.redeemed:
		v = e.viewLocked(a)
		status, v.Error = http.StatusConflict, "This sign-up link has already been used."
	case a.state != partner.StatePendingSignup:
		v = e.viewLocked(a)
		status, v.Error = http.StatusConflict, "This sign-up has been cancelled."
	case !now.Before(a.tokenUntil):
		v = e.viewLocked(a)
		status, v.Error = http.StatusGone, "This sign-up link has expired; ask your provider for a new one."
	default:
		v = e.viewLocked(a)
	}
	e.mu.Unlock()
	renderPage(w, status, v)
}

// handleSignupForm redeems the token posted by the sign-up page's form.
func (e *Emulator) handleSignupForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		renderPage(w, http.StatusBadRequest, signupView{Error: "The form could not be read."})
		return
	}
	token, email := r.PostForm.Get("token"), strings.TrimSpace(r.PostForm.Get("email"))
	e.mu.Lock()
	now := e.nowLocked()
	e.catchUpLocked(now)
	a, err := e.redeemLocked(token, email, now)
	var v signupView
	if a != nil {
		v = e.viewLocked(a)
	}
	if err == nil {
		v.Done = true
		if a.paidThrough != nil {
			v.PaidThrough = a.paidThrough.Format(time.RFC1123)
		}
	}
	e.mu.Unlock()
	if err != nil {
		v.Error = err.Message
		renderPage(w, err.Status, v)
		return
	}
	renderPage(w, http.StatusOK, v)
}
