package main

import (
	"path/filepath"
	"testing"
	"time"
)

// TestBinary_eventStreamOutlivesWriteTimeout: --write-timeout bounds how
// long each write takes to reach a client, not how long an event stream
// lives: a subscription over server-sent events still gets an event
// after the write timeout has passed since it opened.
func TestBinary_eventStreamOutlivesWriteTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	curMustCLI(t, "seed", "--db", db)
	secret := curToken(t, db, "stream-editor", "editor")
	const writeTimeout = time.Second
	srv := curServe(t, db, "--write-timeout", writeTimeout.String())
	v, _ := entityNote(t, srv.url, "yunyang-county")
	events := clusterEvents(t, srv.url, secret, `subscription { entityChanged(keys: ["yunyang-county"]) { entityKey } }`)
	// What is under test is a time: the stream must be older than the
	// write timeout when the event comes.
	time.Sleep(writeTimeout + 500*time.Millisecond)
	curMust(t, srv.url, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v, "note": "after the write timeout"}}, nil)
	waitEvent(t, events, `"entityKey":"yunyang-county"`)
}
