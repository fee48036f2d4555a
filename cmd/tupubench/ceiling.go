package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// ceilingFile is what the harness hands the ceiling server: for each
// request body, the exact response tupu gave to it.
type ceilingFile struct {
	Responses map[string][]byte `json:"responses"`
}

// runCeiling is the ceiling server: the least any GraphQL server could do
// for the workload, returning tupu's own answers from a map, over the
// same net/http stack. It runs in a process of its own so its CPU and
// memory are measured apart from the harness's.
func runCeiling(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f ceilingFile
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/graphql" {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, ok := f.Responses[string(body)]
		if !ok {
			http.Error(w, "unknown request", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(resp)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Printf("ceiling serving url=http://%s/ requests=%d\n", ln.Addr(), len(f.Responses))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; srv.Close() }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
