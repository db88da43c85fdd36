package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/crmapi/crmapi"
)

// orgNames names organisations in labels: names are what operators read
// on a dashboard, and an organisation's name never changes.
type orgNames struct {
	mu    sync.Mutex
	ids   map[string]string
	store crmapi.Store
}

// set records the names of orgs.
func (n *orgNames) set(orgs []crmapi.Organisation) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, o := range orgs {
		n.ids[o.ID] = o.Name
	}
}

// name returns the organisation's name, reading it once from the store
// when it is not known yet; its id when it cannot be read.
func (n *orgNames) name(id string) string {
	n.mu.Lock()
	name, ok := n.ids[id]
	store := n.store
	n.mu.Unlock()
	if ok || store == nil {
		if !ok {
			return id
		}
		return name
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var org crmapi.Organisation
	if err := store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		org, err = tx.OrganisationByID(id)
		return err
	}); err != nil {
		return id
	}
	n.set([]crmapi.Organisation{org})
	return org.Name
}

// all returns every name known.
func (n *orgNames) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]string, 0, len(n.ids))
	for _, name := range n.ids {
		out = append(out, name)
	}
	return out
}
