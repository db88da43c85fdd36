package service

import (
	"sync"

	"github.com/crmapi/crmapi"
)

// catalogueCache keeps each organisation's usage catalogue, which every
// authorisation and its answer need. Catalogue entries are only ever
// added, so the number of entries identifies a version: a transaction
// checks it with one indexed statement (CatalogueSize) and reloads the
// four lists only when it changed. Because the check reads the database,
// the cache is right for several processes on one database too.
type catalogueCache struct {
	mu sync.Mutex
	m  map[string]cachedCatalogue
}

type cachedCatalogue struct {
	size int64
	cat  crmapi.Catalogue
}

func newCatalogueCache() *catalogueCache { return &catalogueCache{m: map[string]cachedCatalogue{}} }

// load returns the organisation's catalogue as tx sees it.
func (c *catalogueCache) load(tx crmapi.Tx, orgID string) (crmapi.Catalogue, error) {
	size, err := tx.CatalogueSize(orgID)
	if err != nil {
		return crmapi.Catalogue{}, err
	}
	if cat, ok := c.ofSize(orgID, size); ok {
		return cat, nil
	}
	cat, err := loadCatalogue(tx, orgID)
	if err != nil {
		return cat, err
	}
	c.mu.Lock()
	c.m[orgID] = cachedCatalogue{size: size, cat: cat}
	c.mu.Unlock()
	return cat, nil
}

// ofSize returns the organisation's cached catalogue when it has the size
// a read just counted; ok is false when it must be loaded.
func (c *catalogueCache) ofSize(orgID string, size int64) (cat crmapi.Catalogue, ok bool) {
	c.mu.Lock()
	hit, ok := c.m[orgID]
	c.mu.Unlock()
	return hit.cat, ok && hit.size == size
}

// forget drops an organisation's entry. A catalogue read in a transaction
// that then failed to commit may have seen entries that never existed (in
// SQLite's shared batches, a neighbour's); a later, different entry could
// bring the size back to the same number, so such a read must not stay.
func (c *catalogueCache) forget(orgID string) {
	c.mu.Lock()
	delete(c.m, orgID)
	c.mu.Unlock()
}
