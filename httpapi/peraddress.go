package httpapi

import "sync"

// perAddress counts what each client address holds open (its streams, its
// connections, or its requests through a proxy) and bounds it. The
// address is a client's key (clientaddr.Client.Key): a host, so every
// port of one machine is one client.
type perAddress struct {
	max    int
	mu     sync.Mutex
	byAddr map[string]int
}

func newPerAddress(max int) *perAddress {
	return &perAddress{max: max, byAddr: map[string]int{}}
}

// open returns what every client holds open.
func (c *perAddress) open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.byAddr {
		n += k
	}
	return n
}

// take counts one more of the client whose key is host, and reports
// whether it may hold it; release uncounts it.
func (c *perAddress) take(host string) (release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byAddr[host] >= c.max {
		return nil, false
	}
	c.byAddr[host]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.byAddr[host]--; c.byAddr[host] == 0 {
				delete(c.byAddr, host)
			}
		})
	}, true
}
