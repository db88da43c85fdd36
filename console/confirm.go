package console

import "net/http"

// confirmView is the confirmation step every action goes through: what
// is about to happen, to what, and one button that does it.
type confirmView struct {
	base
	Heading string
	// Facts describe the object acted on.
	Facts []fact
	// Question is asked above the button; empty when the action is not
	// possible, and then Why says so.
	Question string
	Why      string
	// Action is the form's target; Button its label.
	Action string
	Button string
	// Danger styles the button of an action that cannot be undone.
	Danger bool
	// Reference asks for a reference number (charge acknowledgement).
	Reference      bool
	ReferenceValue string
	// Back is where "keep it" leads.
	Back string
}

// fact is one labelled value on a confirmation page.
type fact struct {
	Label, Value string
}

func (c *Console) renderConfirm(w http.ResponseWriter, r *http.Request, v confirmView, status int) {
	c.render(w, r, "confirm", v, status)
}
