package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// request is one request of a workload and the answer tupu gave to it.
type request struct {
	body  []byte
	want  []byte
	write bool          // a mutation: its answer may legitimately differ
	first time.Duration // how long its recording took (the server's first sight of it)
}

// newClient returns a keep-alive client for c concurrent workers, on
// 127.0.0.1 only.
func newClient(c int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConns:        2 * c,
			MaxIdleConnsPerHost: 2 * c,
			MaxConnsPerHost:     c,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
			Proxy:               nil,
		},
	}
}

// post sends one GraphQL request and returns the status and body.
func post(ctx context.Context, client *http.Client, url string, body []byte, header http.Header) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// window is what one load window measured on one server.
type window struct {
	requests   int
	errors     int // transport errors and non-200 answers
	mismatches int // reads answered with other bytes than recorded
	elapsed    time.Duration
	serverCPU  time.Duration
	clientCPU  time.Duration
	rss, anon  int64
	latencies  []time.Duration
}

// maxPerWindow bounds the requests of one window whatever the duration.
const maxPerWindow = 5_000_000

// drive runs c workers against url for d, each walking the requests
// round-robin from its own offset, and measures the server process pid.
func drive(ctx context.Context, client *http.Client, url string, pid int, reqs []request, header http.Header, c int, d time.Duration) window {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu      sync.Mutex
		w       window
		wg      sync.WaitGroup
		counter atomic.Int64
	)
	cpu0, _ := procCPU(pid)
	self0, _ := procCPU(os.Getpid())
	start := time.Now()
	for i := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs, mism := 0, 0
			next := i * len(reqs) / c
			for ctx.Err() == nil && counter.Add(1) <= maxPerWindow {
				r := &reqs[next%len(reqs)]
				next++
				t := time.Now()
				status, body, err := post(ctx, client, url, r.body, header)
				if ctx.Err() != nil {
					break // cut by the end of the window: not counted
				}
				lat = append(lat, time.Since(t))
				switch {
				case err != nil || status != http.StatusOK:
					errs++
				case !r.write && !bytes.Equal(body, r.want):
					mism++
				}
			}
			mu.Lock()
			w.latencies = append(w.latencies, lat...)
			w.errors += errs
			w.mismatches += mism
			mu.Unlock()
		}()
	}
	wg.Wait()
	w.elapsed = time.Since(start)
	w.requests = len(w.latencies)
	cpu1, _ := procCPU(pid)
	self1, _ := procCPU(os.Getpid())
	w.serverCPU = cpu1 - cpu0
	w.clientCPU = self1 - self0
	w.rss, w.anon = procRSS(pid)
	return w
}

// summary is a server's windows on one workload, together.
type summary struct {
	requests, errors, mismatches int
	qps                          float64
	p50, p99                     time.Duration
	cpuPerReq, clientPerReq      time.Duration
	rss, anon                    int64
	windowQPS                    []float64
}

func summarize(ws []window) summary {
	var s summary
	var elapsed time.Duration
	var cpu, client time.Duration
	var lat []time.Duration
	for _, w := range ws {
		s.requests += w.requests
		s.errors += w.errors
		s.mismatches += w.mismatches
		elapsed += w.elapsed
		cpu += w.serverCPU
		client += w.clientCPU
		s.rss, s.anon = max(s.rss, w.rss), max(s.anon, w.anon)
		lat = append(lat, w.latencies...)
		s.windowQPS = append(s.windowQPS, float64(w.requests)/w.elapsed.Seconds())
	}
	if s.requests == 0 {
		return s
	}
	s.qps = float64(s.requests) / elapsed.Seconds()
	s.cpuPerReq = cpu / time.Duration(s.requests)
	s.clientPerReq = client / time.Duration(s.requests)
	slices.Sort(lat)
	s.p50 = lat[len(lat)/2]
	s.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	return s
}
