package httpapi

import (
	"net"
	"sync"
)

// perAddress counts what each client address holds open (its streams, or
// its connections) and bounds it. An address is a host: every port of
// one machine, or of one proxy, is one client.
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

// take counts one more of the client at remoteAddr (host:port), and
// reports whether it may hold it; release uncounts it.
func (c *perAddress) take(remoteAddr string) (release func(), ok bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
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
