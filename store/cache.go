package store

import (
	"sync"

	"tupu"
)

// entityCache keeps decoded entities of one graph version, so that a
// read-mostly service decodes each entity's JSON once per version instead
// of once per request. A read transaction uses it only when it sees the
// newest committed version; a commit moves the cache to the new version,
// dropping every older entry at once, so a cached entity is never stale.
//
// Entities handed out from it are shared: callers must not modify them
// (the store's writers copy before they change anything).
type entityCache struct {
	mu      sync.RWMutex
	version uint64
	m       map[string]*tupu.Entity
	// groups holds each entity's edge groups (edgeGroup): which
	// directions, predicates and far kinds it has edges in, and how many.
	groups map[string][]edgeGroup
}

// maxCachedEntities bounds the cache; past it, entities are decoded as if
// there were no cache until the next version starts it afresh.
const maxCachedEntities = 200_000

func (c *entityCache) get(version uint64, key string) *tupu.Entity {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.version != version {
		return nil
	}
	return c.m[key]
}

func (c *entityCache) put(version uint64, key string, e *tupu.Entity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(version) || len(c.m) >= maxCachedEntities {
		return
	}
	c.m[key] = e
}

// at moves the cache to version if that is newer, and reports whether
// the cache is at version.
func (c *entityCache) at(version uint64) bool {
	switch {
	case version < c.version:
		return false
	case version > c.version || c.m == nil:
		c.version, c.m, c.groups = version, make(map[string]*tupu.Entity), make(map[string][]edgeGroup)
	}
	return true
}

func (c *entityCache) getGroups(version uint64, key string) ([]edgeGroup, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.version != version {
		return nil, false
	}
	g, ok := c.groups[key]
	return g, ok
}

func (c *entityCache) putGroups(version uint64, key string, g []edgeGroup) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(version) || len(c.groups) >= maxCachedEntities {
		return
	}
	c.groups[key] = g
}
