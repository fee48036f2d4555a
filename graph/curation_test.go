package graph_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tupu/httpapi/apitest"
	"tupu/store"
)

const quote = "在渝北前沿科技城内，由重庆传音科技有限公司所建"

func TestMutations(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "alice", store.RoleEditor)
	admin := s.Token(t, "root", store.RoleAdmin)
	version := func() uint64 {
		v, err := s.Store.GraphVersion()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	must := func(secret, q string, vars map[string]any) json.RawMessage {
		t.Helper()
		r := s.As(t, secret, q, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("%s\nerrors: %s", q, r.Raw)
		}
		return r.Data
	}
	refused := func(name, secret, q string, vars map[string]any, code string) {
		t.Helper()
		before := version()
		r := s.As(t, secret, q, vars)
		if got := r.Code(); got != code {
			t.Errorf("%s: code %q, want %q: %s", name, got, code, r.Raw)
		}
		if after := version(); after != before {
			t.Errorf("%s: the graph changed (version %d → %d)", name, before, after)
		}
	}

	start := time.Now().UTC().Format(time.RFC3339Nano)
	const create = `mutation($in: CreateEntityInput!) { createEntity(input: $in) { clientMutationId entity { id key name version kind } } }`
	in := map[string]any{"clientMutationId": "c1", "key": "transsion-phone-line", "kind": "PRODUCT", "name": "传音手机", "nameEn": "Transsion phones",
		"note": "The article names the company that makes the phones, not the phones.", "source": map[string]any{"document": "yubei-2021", "quote": quote}}
	refused("no token", "", create, map[string]any{"in": in}, "UNAUTHENTICATED")
	refused("bad token", "tupu_nope", create, map[string]any{"in": in}, "UNAUTHENTICATED")
	bad := map[string]any{}
	for k, v := range in {
		bad[k] = v
	}
	bad["key"] = "Not A Key"
	refused("bad key", editor, create, map[string]any{"in": bad}, "BAD_USER_INPUT")
	bad["key"], bad["source"] = "x-1", map[string]any{"document": "yubei-2021", "quote": "这句话不在文中"}
	refused("quote not in the document", editor, create, map[string]any{"in": bad}, "BAD_USER_INPUT")

	var created struct {
		CreateEntity struct {
			ClientMutationID string
			Entity           struct {
				ID, Key, Name, Kind string
				Version             int
			}
		}
	}
	json.Unmarshal(must(editor, create, map[string]any{"in": in}), &created)
	if e := created.CreateEntity; e.ClientMutationID != "c1" || e.Entity.Version != 1 || e.Entity.Key != "transsion-phone-line" {
		t.Errorf("created: %+v", e)
	}
	refused("key taken", editor, create, map[string]any{"in": in}, "CONFLICT")

	const update = `mutation($in: UpdateEntityInput!) { updateEntity(input: $in) { entity { name nameEn version } } }`
	refused("stale version", editor, update, map[string]any{"in": map[string]any{"id": "transsion-phone-line", "expectedVersion": 7, "nameEn": "x"}}, "CONFLICT")
	var updated struct {
		UpdateEntity struct {
			Entity struct {
				Name, NameEn string
				Version      int
			}
		}
	}
	json.Unmarshal(must(editor, update, map[string]any{"in": map[string]any{"id": created.CreateEntity.Entity.ID, "expectedVersion": 1, "nameEn": "Transsion handsets"}}), &updated)
	if u := updated.UpdateEntity.Entity; u.Version != 2 || u.NameEn != "Transsion handsets" || u.Name != "传音手机" {
		t.Errorf("updated: %+v", u)
	}

	const addRel = `mutation($in: AddRelationInput!) { addRelation(input: $in) { relation { subject { key } predicate object { key } source { quote } } } }`
	rel := map[string]any{"subject": "transsion-chongqing", "predicate": "developed", "object": "transsion-phone-line",
		"note": "The phones are read as the company's, which the article names.", "source": map[string]any{"document": "yubei-2021", "quote": quote}}
	refused("unknown predicate", editor, addRel, map[string]any{"in": map[string]any{"subject": "transsion-chongqing", "predicate": "owns", "object": "transsion-phone-line", "source": rel["source"]}}, "BAD_USER_INPUT")
	must(editor, addRel, map[string]any{"in": rel})

	const setFact = `mutation($in: SetFactInput!) { setFact(input: $in) { fact { property value unit normalizedValue entity { key } } } }`
	fact := map[string]any{"entity": "transsion-phone-line", "property": "annual_capacity", "value": 7000, "unit": "万台", "period": "2021",
		"qualifier": "MORE_THAN", "source": map[string]any{"document": "yubei-2021", "quote": "将形成年产手机 7000 万台以上的产能"}}
	refused("unknown unit", editor, setFact, map[string]any{"in": map[string]any{"entity": "transsion-phone-line", "property": "annual_capacity", "value": 1, "unit": "furlongs", "source": fact["source"]}}, "BAD_USER_INPUT")
	refused("bad period", editor, setFact, map[string]any{"in": map[string]any{"entity": "transsion-phone-line", "property": "annual_capacity", "value": 1, "period": "2021-13", "source": fact["source"]}}, "BAD_USER_INPUT")
	must(editor, setFact, map[string]any{"in": fact})

	const del = `mutation($in: DeleteEntityInput!) { deleteEntity(input: $in) { deletedId } }`
	refused("weak role", editor, del, map[string]any{"in": map[string]any{"id": "transsion-phone-line", "expectedVersion": 2}}, "FORBIDDEN")
	refused("relations still point at it", admin, del, map[string]any{"in": map[string]any{"id": "transsion-phone-line", "expectedVersion": 2}}, "CONFLICT")
	must(admin, del, map[string]any{"in": map[string]any{"id": "transsion-phone-line", "expectedVersion": 2, "cascade": true}})

	var gone struct {
		Entity  *struct{ Key string }
		Changes struct {
			Nodes []struct {
				Actor, Operation string
				EntityKey        *string
				Before, After    *string
			}
		}
		Transsion struct {
			History struct {
				TotalCount int
				Nodes      []struct{ Operation, Actor string }
			}
		}
	}
	s.MustQuery(t, `query($since: String) { entity(key: "transsion-phone-line") { key }
	  changes(since: $since, first: 100) { nodes { actor operation entityKey before after } }
	  transsion: entity(key: "transsion-chongqing") { history { totalCount nodes { operation actor } } } }`, map[string]any{"since": start}, &gone)
	if gone.Entity != nil {
		t.Errorf("the deleted entity is still there: %+v", gone.Entity)
	}
	var ops []string
	for _, c := range gone.Changes.Nodes {
		if c.Actor != "seed" {
			ops = append(ops, c.Actor+":"+c.Operation)
		}
	}
	want := []string{"alice:createEntity", "alice:updateEntity", "alice:addRelation", "alice:setFact",
		"root:removeRelation", "root:removeFact", "root:deleteEntity"}
	if strings.Join(ops, " ") != strings.Join(want, " ") {
		t.Errorf("history:\n got %v\nwant %v", ops, want)
	}
	h := gone.Transsion.History
	if len(h.Nodes) < 3 || h.Nodes[0].Operation != "removeRelation" || h.Nodes[1].Operation != "addRelation" || h.Nodes[len(h.Nodes)-1].Actor != "seed" {
		t.Errorf("history of 重庆传音科技, newest first: %+v", h)
	}

	const addDoc = `mutation($in: AddDocumentInput!) { addDocument(input: $in) { document { id key title } } }`
	doc := map[string]any{"key": "note-2026", "title": "一条笔记", "text": "渝北区今年新增一家实验室。\n"}
	refused("documents need an admin", editor, addDoc, map[string]any{"in": doc}, "FORBIDDEN")
	must(admin, addDoc, map[string]any{"in": doc})
	refused("documents are never replaced", admin, addDoc, map[string]any{"in": doc}, "CONFLICT")
}

// TestSubscription_SSE subscribes over server-sent events and sees a
// mutation made by someone else.
func TestSubscription_SSE(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "alice", store.RoleEditor)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	body := `{"query": "subscription { entityChanged(keys: [\"yubei-district\"]) { operation actor entityKey entity { key version } } }"}`
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	events := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- line
			}
		}
		close(events)
	}()
	// Changes to other entities do not reach this subscriber; one to 渝北区 does.
	time.Sleep(100 * time.Millisecond) // let the subscription register
	s.As(t, editor, `mutation { setFact(input: {entity: "yunyang-county", property: "test_figure", value: 2300, unit: "个",
	  source: {document: "yubei-2021", quote: "渝北为云阳县提供就业岗位2300个"}}) { fact { property } } }`, nil)
	s.As(t, editor, `mutation { updateEntity(input: {id: "yubei-district", expectedVersion: 1, note: "checked"}) { entity { version } } }`, nil)
	select {
	case e := <-events:
		if !strings.Contains(e, `"operation":"updateEntity"`) || !strings.Contains(e, `"actor":"alice"`) || !strings.Contains(e, `"version":2`) {
			t.Errorf("event: %s", e)
		}
	case <-ctx.Done():
		t.Fatal("no event within the deadline")
	}
}

// TestSetFact_keepsWhatTheInputLeavesOut changes a seeded fact piece by
// piece: each setFact keeps the fields it leaves out, null and an empty
// string clear one, and every step is in history by its actor.
func TestSetFact_keepsWhatTheInputLeavesOut(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "alice", store.RoleEditor)
	const set = `mutation($in: SetFactInput!) { setFact(input: $in) { fact { label value text unit period periodBasis qualifier note source { quote } } } }`
	type fact struct {
		Label, Text, Unit, Period, PeriodBasis, Qualifier, Note *string
		Value                                                   *float64
		Source                                                  struct{ Quote string }
	}
	setFact := func(in map[string]any) fact {
		t.Helper()
		in["entity"], in["property"], in["period"] = "yubei-district", "gdp", "2020"
		r := s.As(t, editor, set, map[string]any{"in": in})
		if len(r.Errors) > 0 {
			t.Fatalf("setFact %v: %s", in, r.Raw)
		}
		var out struct{ SetFact struct{ Fact fact } }
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatal(err)
		}
		// What the payload says is what a read says.
		var read struct{ Entity struct{ Facts []fact } }
		s.MustQuery(t, `{ entity(key: "yubei-district") { facts(property: "gdp", period: "2020") { label value text unit period periodBasis qualifier note source { quote } } } }`, nil, &read)
		if len(read.Entity.Facts) != 1 || mustJSONString(t, read.Entity.Facts[0]) != mustJSONString(t, out.SetFact.Fact) {
			t.Errorf("after setFact %v the payload says %s, a read %s", in, mustJSONString(t, out.SetFact.Fact), mustJSONString(t, read.Entity.Facts))
		}
		return out.SetFact.Fact
	}
	str := func(p *string) string {
		if p == nil {
			return "<null>"
		}
		return *p
	}
	const seedQuote = "2020年，全区地区生产总值实现了2009.5亿元"

	// A note alone: no source, no value; the rest stays.
	f := setFact(map[string]any{"note": "checked against the 2020 statistical bulletin"})
	if str(f.Label) != "地区生产总值" || f.Value == nil || *f.Value != 2009.5 || str(f.Unit) != "亿元" || f.Source.Quote != seedQuote ||
		str(f.PeriodBasis) != "STATED" || str(f.Note) != "checked against the 2020 statistical bulletin" {
		t.Errorf("a note alone changed more than the note: %+v", mustJSONString(t, f))
	}
	// A new value with its words: the label, unit and note stay.
	f = setFact(map[string]any{"value": 2009.5, "qualifier": "MORE_THAN", "periodBasis": "CONTEXT", "source": map[string]any{"document": "yubei-2021", "quote": "全区地区生产总值实现了2009.5亿元"}})
	if str(f.Label) != "地区生产总值" || *f.Value != 2009.5 || str(f.Unit) != "亿元" || str(f.Qualifier) != "MORE_THAN" || str(f.PeriodBasis) != "CONTEXT" ||
		str(f.Note) != "checked against the 2020 statistical bulletin" || f.Source.Quote != "全区地区生产总值实现了2009.5亿元" {
		t.Errorf("a new value lost what it left out: %s", mustJSONString(t, f))
	}
	// null clears the qualifier and the period's basis (unknown, as for a
	// fact stored before tupu recorded it); an empty string clears the note
	// and the label.
	f = setFact(map[string]any{"qualifier": nil, "periodBasis": nil, "note": "", "label": ""})
	if f.Qualifier != nil || f.PeriodBasis != nil || f.Note != nil || f.Label != nil || *f.Value != 2009.5 || str(f.Unit) != "亿元" {
		t.Errorf("clearing: %s", mustJSONString(t, f))
	}
	// A fact that does not exist needs its source.
	r := s.As(t, editor, set, map[string]any{"in": map[string]any{"entity": "yubei-district", "property": "gdp", "period": "2019", "value": 1}})
	if r.Code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Raw), "source") {
		t.Errorf("a new fact without a source: %s", r.Raw)
	}
	// A basis is for a period.
	r = s.As(t, editor, set, map[string]any{"in": map[string]any{"entity": "yubei-district", "property": "gdp_share", "value": 15.5, "unit": "%",
		"periodBasis": "STATED", "source": map[string]any{"document": "yubei-2021", "quote": "渝北全社会研发投入291.87亿元、占全市15.5%"}}})
	if r.Code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Raw), "periodBasis: says how the period was found, and the fact has no period") {
		t.Errorf("a basis without a period: %s", r.Raw)
	}
	// A figure or a text remains needed.
	r = s.As(t, editor, set, map[string]any{"in": map[string]any{"entity": "yubei-district", "property": "gdp", "period": "2020", "value": nil}})
	if r.Code() != "BAD_USER_INPUT" {
		t.Errorf("clearing the only value: %s", r.Raw)
	}

	var h struct {
		Entity struct {
			History struct {
				Nodes []struct{ Actor, Operation, Before, After string }
			}
		}
	}
	s.MustQuery(t, `{ entity(key: "yubei-district") { history(first: 3) { nodes { actor operation before after } } } }`, nil, &h)
	if n := h.Entity.History.Nodes; len(n) != 3 || n[0].Actor != "alice" || n[0].Operation != "setFact" || !strings.Contains(n[2].Before, seedQuote) ||
		!strings.Contains(n[2].After, "statistical bulletin") || !strings.Contains(n[2].After, "地区生产总值") {
		t.Errorf("history of the three writes: %+v", n)
	}
}

func mustJSONString(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestCreateEntity_afterDeleteContinuesTheVersion deletes an entity and
// creates another with its key: the new one starts at the version after
// the old one's last, so the old entity's expectedVersion is refused and
// a client that keys its cache on ID and version sees a newer entity.
func TestCreateEntity_afterDeleteContinuesTheVersion(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "alice", store.RoleEditor)
	admin := s.Token(t, "root", store.RoleAdmin)
	must := func(secret, q string, vars map[string]any, out any) {
		t.Helper()
		r := s.As(t, secret, q, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %s", q, r.Raw)
		}
		if out != nil {
			json.Unmarshal(r.Data, out)
		}
	}
	type entity struct {
		ID, Name string
		Version  int
	}
	const create = `mutation($in: CreateEntityInput!) { createEntity(input: $in) { entity { id name version } } }`
	const update = `mutation($in: UpdateEntityInput!) { updateEntity(input: $in) { entity { id name version } } }`
	const del = `mutation($in: DeleteEntityInput!) { deleteEntity(input: $in) { deletedId } }`
	in := func(name string) map[string]any {
		return map[string]any{"in": map[string]any{"key": "transsion-phone-line", "kind": "PRODUCT", "name": name,
			"note": "The article names the company, not its phones.", "source": map[string]any{"document": "yubei-2021", "quote": "在渝北前沿科技城内，由重庆传音科技有限公司所建"}}}
	}

	var first struct{ CreateEntity struct{ Entity entity } }
	must(editor, create, in("传音手机"), &first)
	var up struct{ UpdateEntity struct{ Entity entity } }
	must(editor, update, map[string]any{"in": map[string]any{"id": first.CreateEntity.Entity.ID, "expectedVersion": 1, "nameEn": "Transsion phones"}}, &up)
	must(admin, del, map[string]any{"in": map[string]any{"id": first.CreateEntity.Entity.ID, "expectedVersion": 2}}, nil)

	var second struct{ CreateEntity struct{ Entity entity } }
	must(editor, create, in("传音新机"), &second)
	if v := second.CreateEntity.Entity.Version; v != 3 {
		t.Errorf("the re-created entity is at version %d, want 3 (after the deleted one's 2)", v)
	}
	// Writes decided against the old entity are refused, at every version it had.
	for _, old := range []int{1, 2} {
		r := s.As(t, editor, update, map[string]any{"in": map[string]any{"id": first.CreateEntity.Entity.ID, "expectedVersion": old, "name": "旧的"}})
		if r.Code() != "CONFLICT" {
			t.Errorf("updateEntity with the old entity's version %d: %s", old, r.Raw)
		}
		r = s.As(t, admin, del, map[string]any{"in": map[string]any{"id": first.CreateEntity.Entity.ID, "expectedVersion": old}})
		if r.Code() != "CONFLICT" {
			t.Errorf("deleteEntity with the old entity's version %d: %s", old, r.Raw)
		}
	}
	var now struct{ Node entity }
	s.MustQuery(t, `query($id: ID!) { node(id: $id) { ... on Entity { id name version } } }`, map[string]any{"id": second.CreateEntity.Entity.ID}, &now)
	if now.Node.Name != "传音新机" || now.Node.Version != 3 {
		t.Errorf("the entity now: %+v", now.Node)
	}
	// Deleted again and created a third time, it goes on counting.
	must(admin, del, map[string]any{"in": map[string]any{"id": "transsion-phone-line", "expectedVersion": 3}}, nil)
	var third struct{ CreateEntity struct{ Entity entity } }
	must(editor, create, in("传音三代"), &third)
	if v := third.CreateEntity.Entity.Version; v != 4 {
		t.Errorf("created a third time at version %d, want 4", v)
	}
}

// TestChanges_cursorsOfAnotherHistory: a cursor names its history. One
// from another history (another epoch) or past the last change is refused
// with HISTORY_RESET, by changes, an entity's history and entityChanged;
// entityChanged given a cursor of this history replays what came after it
// before the live changes, each once.
func TestChanges_cursorsOfAnotherHistory(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "alice", store.RoleEditor)
	var first struct {
		Changes struct {
			Edges []struct {
				Cursor string
				Node   struct {
					Sequence int
					Cursor   string
				}
			}
		}
	}
	s.MustQuery(t, `{ changes(first: 2) { edges { cursor node { sequence cursor } } } }`, nil, &first)
	e := first.Changes.Edges
	if len(e) != 2 || e[1].Cursor != e[1].Node.Cursor {
		t.Fatalf("changes: %+v", e)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(e[1].Cursor)
	epoch, seq, ok := strings.Cut(string(raw), ":")
	if !ok || len(epoch) != 16 || seq != "2" {
		t.Fatalf("a change cursor is %q, want a 16-digit epoch and the sequence number", raw)
	}
	must := func(r *apitest.Response) {
		t.Helper()
		if len(r.Errors) > 0 {
			t.Fatal(string(r.Raw))
		}
	}
	last := 0
	s.Store.View(func(tx *store.Tx) error { last = int(tx.LastSeq()); return nil })
	for name, cursor := range map[string]string{
		"another epoch":     base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef:2")),
		"no epoch":          base64.RawURLEncoding.EncodeToString([]byte("2")),
		"past the last one": base64.RawURLEncoding.EncodeToString([]byte(epoch + ":" + strconv.Itoa(last+1))),
	} {
		for _, q := range []string{`query($c: String) { changes(after: $c) { nodes { sequence } } }`,
			`query($c: String) { entity(key: "yubei-district") { history(after: $c) { nodes { sequence } } } }`} {
			if code := s.ErrorCode(t, q, map[string]any{"c": cursor}); code != "HISTORY_RESET" {
				t.Errorf("%s: %s: code %q", name, q, code)
			}
		}
	}
	if code := s.ErrorCode(t, `{ changes(after: "bm9wZQ") { nodes { sequence } } }`, nil); code != "BAD_USER_INPUT" {
		t.Errorf("a cursor that is none: %q", code)
	}

	// Resume: two writes, then a subscription after the first change's
	// cursor gets everything since, then a live one, none twice.
	set := func(p string) {
		must(s.As(t, editor, `mutation($p: String!) { setFact(input: {entity: "yunyang-county", property: $p, value: 2300, unit: "个",
		  source: {document: "yubei-2021", quote: "渝北为云阳县提供就业岗位2300个"}}) { fact { property } } }`, map[string]any{"p": p}))
	}
	set("resume_one")
	set("resume_two")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": `subscription($c: String) { entityChanged(keys: ["yunyang-county"], after: $c) { sequence } }`,
		"variables": map[string]any{"c": e[1].Cursor}})
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []int
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Data struct{ EntityChanged struct{ Sequence int } }
		}
		json.Unmarshal([]byte(data), &ev)
		n := ev.Data.EntityChanged.Sequence
		if n == 0 {
			t.Fatalf("event: %s", data)
		}
		got = append(got, n)
		if n == last+2 {
			set("resume_three") // live, after the replay
		}
		if n == last+3 {
			break
		}
	}
	// Every change to 云阳县 after change 2, the seed's among them, in
	// order and once each, and then the live one.
	if len(got) < 3 || got[0] <= 2 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) ||
		!slices.Contains(got, last+1) || got[len(got)-1] != last+3 {
		t.Errorf("resumed after change 2: %v; want them rising, once each, from after 2 to %d", got, last+3)
	}
}
