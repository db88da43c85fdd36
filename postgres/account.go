package postgres

import (
	"github.com/crmapi/crmapi"
)

const contactColumns = `id, organisation_id, type, first_name, middle_name, last_name, title, company_name,
	life_cycle_state, gender, id_number, passport_number, social_security_number, birth_year, birth_month,
	birth_day, name_day_month, name_day_day, created_at`

func scanContact(s scanner) (crmapi.Contact, error) {
	var c crmapi.Contact
	d := &c.Demographics
	var created int64
	err := s.Scan(&c.ID, &c.OrganisationID, &c.Type, &c.FirstName, &c.MiddleName, &c.LastName, &c.Title,
		&c.CompanyName, &c.LifeCycleState, &d.Gender, &d.IDNumber, &d.PassportNumber, &d.SocialSecurityNumber,
		&d.BirthYear, &d.BirthMonth, &d.BirthDay, &d.NameDayMonth, &d.NameDayDay, &created)
	c.CreatedAt = fromMicros(created)
	return c, err
}

func (t *tx) CreateContact(c crmapi.Contact) error {
	d := c.Demographics
	return t.insert("Contact", `INSERT INTO contacts (`+contactColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		c.ID, c.OrganisationID, c.Type, c.FirstName, c.MiddleName, c.LastName, c.Title, c.CompanyName,
		c.LifeCycleState, d.Gender, d.IDNumber, d.PassportNumber, d.SocialSecurityNumber, d.BirthYear,
		d.BirthMonth, d.BirthDay, d.NameDayMonth, d.NameDayDay, micros(c.CreatedAt))
}

func (t *tx) ContactByID(orgID, id string) (crmapi.Contact, error) {
	c, err := scanContact(t.queryRow(`SELECT `+contactColumns+` FROM contacts WHERE organisation_id = $1 AND id = $2`, orgID, id))
	return c, translate(err, "Contact")
}

func (t *tx) ListContacts(orgID string) ([]crmapi.Contact, error) {
	rows, err := t.query(`SELECT `+contactColumns+` FROM contacts WHERE organisation_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, translate(err, "Contact")
	}
	return collect(rows, scanContact, "Contact")
}

func (t *tx) MarkContactFinancial(orgID, id string) error {
	res, err := t.exec(`UPDATE contacts SET life_cycle_state = $1 WHERE organisation_id = $2 AND id = $3`,
		crmapi.ContactFinancial, orgID, id)
	if err != nil {
		return translate(err, "Contact")
	}
	return mustAffect(res, "Contact")
}

const accountColumns = `id, organisation_id, number, name, owner_id, currency, balance, credit_limit, held,
	life_cycle_state, created_at`

func scanAccount(s scanner) (crmapi.AccountsReceivable, error) {
	var a crmapi.AccountsReceivable
	var balance, credit, held, created int64
	err := s.Scan(&a.ID, &a.OrganisationID, &a.Number, &a.Name, &a.OwnerID, &a.Currency, &balance, &credit, &held,
		&a.LifeCycleState, &created)
	a.Balance, a.CreditLimit, a.Held = crmapi.AmountFromUnits(balance), crmapi.AmountFromUnits(credit), crmapi.AmountFromUnits(held)
	a.CreatedAt = fromMicros(created)
	return a, err
}

func (t *tx) CreateAccount(a crmapi.AccountsReceivable) error {
	return t.insert("Accounts receivable", `INSERT INTO accounts_receivable (`+accountColumns+`) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 0, $8, $9)`,
		a.ID, a.OrganisationID, a.Number, a.Name, a.OwnerID, a.Currency, a.CreditLimit.Units(), a.LifeCycleState,
		micros(a.CreatedAt))
}

func (t *tx) accountWhere(where string, args ...any) (crmapi.AccountsReceivable, error) {
	a, err := scanAccount(t.queryRow(`SELECT `+accountColumns+` FROM accounts_receivable WHERE `+where, args...))
	return a, translate(err, "Accounts receivable")
}

func (t *tx) AccountByID(orgID, id string) (crmapi.AccountsReceivable, error) {
	return t.accountWhere(`organisation_id = $1 AND id = $2`, orgID, id)
}

func (t *tx) AccountByNumber(orgID, number string) (crmapi.AccountsReceivable, error) {
	return t.accountWhere(`organisation_id = $1 AND number = $2`, orgID, number)
}

func (t *tx) AccountByName(orgID, name string) (crmapi.AccountsReceivable, error) {
	return t.accountWhere(`organisation_id = $1 AND name = $2`, orgID, name)
}

func (t *tx) ListAccounts(orgID string) ([]crmapi.AccountsReceivable, error) {
	rows, err := t.query(`SELECT `+accountColumns+` FROM accounts_receivable WHERE organisation_id = $1 ORDER BY number`, orgID)
	if err != nil {
		return nil, translate(err, "Accounts receivable")
	}
	return collect(rows, scanAccount, "Accounts receivable")
}

func (t *tx) SetAccountState(orgID, id string, state crmapi.AccountState) error {
	res, err := t.exec(`UPDATE accounts_receivable SET life_cycle_state = $1 WHERE organisation_id = $2 AND id = $3`, state, orgID, id)
	if err != nil {
		return translate(err, "Accounts receivable")
	}
	return mustAffect(res, "Accounts receivable")
}

func (t *tx) insertEntry(e crmapi.LedgerEntry) error {
	return t.insert("Ledger entry", `INSERT INTO ledger_entries (`+entryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, e.OrganisationID, e.AccountID, e.Kind, e.Amount.Units(), e.Reference, e.Description, e.ActionID,
		micros(e.CreatedAt))
}

func (t *tx) AddEntry(e crmapi.LedgerEntry) error {
	res, err := t.exec(`UPDATE accounts_receivable SET balance = balance + $1 WHERE organisation_id = $2 AND id = $3`,
		e.Amount.Units(), e.OrganisationID, e.AccountID)
	if err != nil {
		return translate(err, "Accounts receivable")
	}
	if err := mustAffect(res, "Accounts receivable"); err != nil {
		return err
	}
	return t.insertEntry(e)
}

func (t *tx) DebitAvailable(e crmapi.LedgerEntry) (bool, error) {
	res, err := t.exec(`UPDATE accounts_receivable SET balance = balance + $1
		WHERE organisation_id = $2 AND id = $3 AND life_cycle_state = 'ACTIVE' AND balance + credit_limit - held >= $4`,
		e.Amount.Units(), e.OrganisationID, e.AccountID, -e.Amount.Units())
	if err != nil {
		return false, translate(err, "Accounts receivable")
	}
	if res.RowsAffected() == 0 {
		return false, nil
	}
	return true, t.insertEntry(e)
}

const entryColumns = `id, organisation_id, account_id, kind, amount, reference, description, action_id, created_at`

func scanEntry(s scanner) (crmapi.LedgerEntry, error) {
	var e crmapi.LedgerEntry
	var amount, created int64
	err := s.Scan(&e.ID, &e.OrganisationID, &e.AccountID, &e.Kind, &amount, &e.Reference, &e.Description, &e.ActionID, &created)
	e.Amount, e.CreatedAt = crmapi.AmountFromUnits(amount), fromMicros(created)
	return e, err
}

func (t *tx) ListEntries(orgID, accountID string) ([]crmapi.LedgerEntry, error) {
	rows, err := t.query(`SELECT `+entryColumns+` FROM ledger_entries WHERE organisation_id = $1 AND account_id = $2
		ORDER BY created_at, id`, orgID, accountID)
	if err != nil {
		return nil, translate(err, "Ledger entry")
	}
	return collect(rows, scanEntry, "Ledger entry")
}

func (t *tx) AccountBooks(orgID string) ([]crmapi.Books, error) {
	rows, err := t.query(`SELECT a.id, a.number, a.balance, a.held, a.credit_limit,
		(SELECT coalesce(sum(amount), 0) FROM ledger_entries e WHERE e.account_id = a.id),
		(SELECT coalesce(sum(amount), 0) FROM ledger_entries e WHERE e.account_id = a.id AND amount > 0),
		(SELECT coalesce(-sum(amount), 0) FROM ledger_entries e WHERE e.account_id = a.id AND kind = 'USAGE'),
		(SELECT coalesce(sum(amount), 0) FROM usage_authorisations u WHERE u.account_id = a.id AND life_cycle_state = 'BLOCKED')
		FROM accounts_receivable a WHERE a.organisation_id = $1 ORDER BY a.number`, orgID)
	if err != nil {
		return nil, translate(err, "Accounts receivable")
	}
	return collect(rows, scanBooks, "Accounts receivable")
}

func scanBooks(s scanner) (crmapi.Books, error) {
	var b crmapi.Books
	var v [7]int64
	err := s.Scan(&b.AccountID, &b.Number, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6])
	b.Balance, b.Held, b.CreditLimit = crmapi.AmountFromUnits(v[0]), crmapi.AmountFromUnits(v[1]), crmapi.AmountFromUnits(v[2])
	b.EntriesTotal, b.Funding, b.Usage = crmapi.AmountFromUnits(v[3]), crmapi.AmountFromUnits(v[4]), crmapi.AmountFromUnits(v[5])
	b.BlockedTotal = crmapi.AmountFromUnits(v[6])
	return b, err
}

const subscriptionColumns = `id, organisation_id, number, account_id, kind, life_cycle_state, created_at`

func scanAccountSubscription(s scanner) (crmapi.Subscription, error) {
	var sub crmapi.Subscription
	var created int64
	err := s.Scan(&sub.ID, &sub.OrganisationID, &sub.Number, &sub.AccountID, &sub.Kind, &sub.LifeCycleState, &created)
	sub.CreatedAt = fromMicros(created)
	return sub, err
}

func (t *tx) CreateSubscription(s crmapi.Subscription) error {
	return t.insert("Subscription", `INSERT INTO subscriptions (`+subscriptionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.ID, s.OrganisationID, s.Number, s.AccountID, s.Kind, s.LifeCycleState, micros(s.CreatedAt))
}

func (t *tx) SubscriptionByID(orgID, id string) (crmapi.Subscription, error) {
	s, err := scanAccountSubscription(t.queryRow(`SELECT `+subscriptionColumns+` FROM subscriptions WHERE organisation_id = $1 AND id = $2`, orgID, id))
	return s, translate(err, "Subscription")
}

func (t *tx) SubscriptionByNumber(orgID, number string) (crmapi.Subscription, error) {
	s, err := scanAccountSubscription(t.queryRow(`SELECT `+subscriptionColumns+` FROM subscriptions WHERE organisation_id = $1 AND number = $2`, orgID, number))
	return s, translate(err, "Subscription")
}

func (t *tx) ListSubscriptions(orgID, accountID string) ([]crmapi.Subscription, error) {
	rows, err := t.query(`SELECT `+subscriptionColumns+` FROM subscriptions WHERE organisation_id = $1 AND account_id = $2 ORDER BY number`,
		orgID, accountID)
	if err != nil {
		return nil, translate(err, "Subscription")
	}
	return collect(rows, scanAccountSubscription, "Subscription")
}

const actionColumns = `id, organisation_id, number, subscription_id, type, life_cycle_state, user_id, executed_at`

func (t *tx) CreateSubscriptionAction(a crmapi.SubscriptionAction) error {
	return t.insert("Subscription action", `INSERT INTO subscription_actions (`+actionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.ID, a.OrganisationID, a.Number, a.SubscriptionID, a.Type, a.LifeCycleState, a.UserID, micros(a.ExecutedAt))
}

func (t *tx) SubscriptionActionByID(orgID, id string) (crmapi.SubscriptionAction, error) {
	var a crmapi.SubscriptionAction
	var executed int64
	err := t.queryRow(`SELECT `+actionColumns+` FROM subscription_actions WHERE organisation_id = $1 AND id = $2`, orgID, id).
		Scan(&a.ID, &a.OrganisationID, &a.Number, &a.SubscriptionID, &a.Type, &a.LifeCycleState, &a.UserID, &executed)
	a.ExecutedAt = fromMicros(executed)
	return a, translate(err, "Subscription action")
}
