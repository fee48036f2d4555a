package httpapi_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
	"tupu/store"
)

// TestTrustedDocuments_anyTransport drives random operations through every
// transport of a server started with a trusted-documents manifest: the
// manifest's documents, near copies of them (a space, a comment, another
// name or alias), other queries, introspection, mutations and
// subscriptions; sent as text, as a hash, or both, anonymously or with an
// editor's token. An operation runs only when the document the server
// would run is in the manifest; every other is refused with
// PERSISTED_QUERY_NOT_FOUND before it runs, and no unregistered mutation
// changes the graph. TUPU_PROPERTY_SEED replays a run.
func TestTrustedDocuments_anyTransport(t *testing.T) {
	registered := []string{
		`query Districts { districts { totalCount } }`,
		`query Entity($key: String) { entity(key: $key) { key name } }`,
		`mutation Note($note: String) { updateEntity(input: {id: "yunyang-county", expectedVersion: 1, note: $note}) { entity { version } } }`,
	}
	others := []string{
		`{ districts { totalCount } }`,
		`query Districts { parks { totalCount } }`,
		`{ __schema { types { name } } }`,
		`query Q { __type(name: "Park") { name } }`,
		`{ entities(first: 100) { nodes { key name description } } }`,
		`mutation { updateEntity(input: {id: "yubei-district", expectedVersion: 1, note: "pwned"}) { entity { version } } }`,
		`mutation Note($note: String) { updateEntity(input: {id: "yubei-district", expectedVersion: 1, note: $note}) { entity { version } } }`,
		`subscription { entityChanged { entityKey } }`,
		registered[0] + "\nquery Other { parks { totalCount } }",
	}
	manifest := map[string]string{}
	for _, d := range registered {
		manifest[sha(d)] = d
	}
	raw, _ := json.Marshal(manifest)
	s := apitest.Serve(t, httpapi.Options{TrustedDocuments: raw, NoIntrospection: true})
	editor := s.Token(t, "mallory", store.RoleEditor)

	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("TUPU_PROPERTY_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("TUPU_PROPERTY_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	variants := []func(string) string{
		func(d string) string { return d },
		func(d string) string { return d + " " },
		func(d string) string { return "# a comment\n" + d },
		func(d string) string { return strings.Replace(d, "{", "{ ", 1) },
		func(d string) string { return strings.Replace(d, "totalCount", "n: totalCount", 1) },
		func(d string) string { return strings.Replace(d, "query ", "query X", 1) },
	}

	ran, refused := 0, 0
	for i := range 240 {
		doc := pick(registered)
		if rng.IntN(2) == 0 {
			doc = pick(others)
		}
		if rng.IntN(2) == 0 {
			doc = variants[rng.IntN(len(variants))](doc)
		}
		op := operation{variables: map[string]any{"key": "yubei-district", "note": "pwned"}}
		switch rng.IntN(4) {
		case 0: // the text alone
			op.query = doc
		case 1: // its hash alone
			op.extensions = persisted(sha(doc))
		case 2: // the text with the hash of a registered document
			op.query, op.extensions = doc, persisted(sha(pick(registered)))
		case 3: // the hash of a registered document with other text
			op.query, op.extensions = pick(others), persisted(sha(doc))
		}
		if rng.IntN(2) == 0 {
			op.token = editor
		}
		// The server runs the text when there is one, else what the hash names.
		runs := op.query
		if runs == "" {
			runs = doc
		}
		allowed := manifest[sha(runs)] != ""
		tr := transportClients[rng.IntN(len(transportClients))]
		o := tr.do(t, s.URL, op)
		switch {
		case !allowed && (o.ran() || o.code() != "PERSISTED_QUERY_NOT_FOUND"):
			t.Errorf("#%d %s ran %q (text %q, hash of %q) outside the manifest: code %q %.300s", i, tr.name, runs, op.query, doc, o.code(), o.raw)
		case allowed && o.code() == "PERSISTED_QUERY_NOT_FOUND":
			t.Errorf("#%d %s refused the registered %q: %.300s", i, tr.name, runs, o.raw)
		case allowed:
			ran++
		default:
			refused++
		}
	}
	t.Logf("%d registered operations ran, %d others were refused", ran, refused)
	if ran < 20 || refused < 20 {
		t.Errorf("too few of one kind to mean anything: %d ran, %d refused", ran, refused)
	}
	s.Store.View(func(tx *store.Tx) error {
		if e, err := tx.Entity("yubei-district"); err != nil || e.Note == "pwned" || e.Version != 1 {
			t.Errorf("an unregistered mutation changed 渝北区: %+v %v", e, err)
		}
		return nil
	})
}
