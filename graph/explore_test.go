package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"tupu"
	"tupu/store"

	"tupu/seed"
)

func TestPaths_yunyangToQualcomm(t *testing.T) {
	s := mustServe(t)
	d, err := seed.Load(seed.Data())
	if err != nil {
		t.Fatal(err)
	}
	text := d.Documents[0].QuotableText()
	var data struct {
		Paths []struct {
			Length int
			Steps  []struct {
				From      struct{ Key string }
				Predicate string
				Direction string
				To        struct{ Key string }
				Source    *struct{ Quote string }
			}
		}
	}
	s.MustQuery(t, `{ paths(from: "yunyang-county", to: "qualcomm") {
	  length steps { from { key } predicate direction to { key } source { quote } } } }`, nil, &data)
	if len(data.Paths) == 0 {
		t.Fatal("no path from 云阳县 to 高通")
	}
	for _, p := range data.Paths {
		if p.Length != len(p.Steps) || p.Steps[0].From.Key != "yunyang-county" || p.Steps[len(p.Steps)-1].To.Key != "qualcomm" {
			t.Errorf("path %+v does not run from yunyang-county to qualcomm", p)
		}
		for i, st := range p.Steps {
			if i > 0 && st.From.Key != p.Steps[i-1].To.Key {
				t.Errorf("path breaks between steps %d and %d: %+v", i-1, i, p)
			}
			if st.Source == nil || !strings.Contains(text, st.Source.Quote) {
				t.Errorf("step %s %s %s has no quote the source holds: %+v", st.From.Key, st.Predicate, st.To.Key, st.Source)
			}
		}
		if p.Length != data.Paths[0].Length {
			t.Errorf("paths of different lengths: %d and %d; all should be shortest", p.Length, data.Paths[0].Length)
		}
	}
	t.Logf("%d shortest paths of %d steps; the first: %+v", len(data.Paths), data.Paths[0].Length, data.Paths[0].Steps)

	var none struct{ Paths []any }
	s.MustQuery(t, `{ paths(from: "yunyang-county", to: "qualcomm", maxHops: 1) { length } }`, nil, &none)
	if len(none.Paths) != 0 {
		t.Errorf("a 1-hop path should not exist: %+v", none.Paths)
	}
	if code := s.ErrorCode(t, `{ paths(from: "yunyang-county", to: "qualcomm", maxHops: 99) { length } }`, nil); code != "BAD_USER_INPUT" {
		t.Errorf("maxHops 99: code %s", code)
	}
}

func TestNeighborhood(t *testing.T) {
	s := mustServe(t)
	var data struct {
		Neighborhood struct {
			Nodes []struct{ ID, Key, Kind string }
			Edges []struct {
				From, To, Predicate string
				Source              *struct{ Quote string }
			}
		}
	}
	s.MustQuery(t, `{ neighborhood(id: "xiantao-data-valley", depth: 2) {
	  nodes { id key kind } edges { from to predicate source { quote } } } }`, nil, &data)
	g := data.Neighborhood
	if len(g.Nodes) == 0 || g.Nodes[0].Key != "xiantao-data-valley" {
		t.Fatalf("the centre is not first: %+v", g.Nodes)
	}
	ids := map[string]string{}
	for _, n := range g.Nodes {
		ids[n.ID] = n.Key
	}
	for _, want := range []string{"yubei-district", "qualcomm", "smart-cockpit-joint-lab", "thundersoft-chongqing"} {
		if !slices.ContainsFunc(g.Nodes, func(n struct{ ID, Key, Kind string }) bool { return n.Key == want }) {
			t.Errorf("depth 2 around 仙桃数据谷 lacks %s", want)
		}
	}
	for _, e := range g.Edges {
		if ids[e.From] == "" || ids[e.To] == "" {
			t.Errorf("edge %s %s %s leaves the subgraph", e.From, e.Predicate, e.To)
		}
		if e.Source == nil {
			t.Errorf("edge %s %s %s has no source", ids[e.From], e.Predicate, ids[e.To])
		}
	}
	var one struct {
		Neighborhood struct{ Nodes []struct{ Key string } }
	}
	s.MustQuery(t, `{ neighborhood(id: "xiantao-data-valley", depth: 1, predicates: ["located_in"]) { nodes { key } } }`, nil, &one)
	if len(one.Neighborhood.Nodes) != 2 || one.Neighborhood.Nodes[1].Key != "yubei-district" {
		t.Errorf("located_in neighbours of 仙桃数据谷: %+v", one.Neighborhood.Nodes)
	}
	if code := s.ErrorCode(t, `{ neighborhood(id: "yubei-district", depth: 3, maxNodes: 5) { nodes { key } } }`, nil); code != "COMPLEXITY_LIMIT" {
		t.Errorf("a neighbourhood over maxNodes: code %s, want COMPLEXITY_LIMIT", code)
	}
	if code := s.ErrorCode(t, `{ neighborhood(id: "yubei-district", depth: 9) { nodes { key } } }`, nil); code != "BAD_USER_INPUT" {
		t.Errorf("depth 9: code %s, want BAD_USER_INPUT", code)
	}
}

func TestFactsAcrossGraph(t *testing.T) {
	s := mustServe(t)
	type factsPage struct {
		Facts struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Nodes []struct {
				Property        string
				Value           float64
				Unit            string
				NormalizedValue *float64
				NormalizedUnit  *string
				Period          string
				Entity          struct{ Key string }
			}
		}
	}
	var money factsPage
	s.MustQuery(t, `{ facts(filter: {min: 1e9}, first: 100) { totalCount nodes { property value unit normalizedValue normalizedUnit period entity { key } } } }`, nil, &money)
	if money.Facts.TotalCount == 0 {
		t.Fatal("no fact above 1e9 in base units")
	}
	for _, f := range money.Facts.Nodes {
		if f.NormalizedValue == nil || *f.NormalizedValue < 1e9 {
			t.Errorf("fact %s %v%s passed min 1e9", f.Property, f.Value, f.Unit)
		}
	}
	var gdp factsPage
	s.MustQuery(t, `{ facts(filter: {property: "gdp"}) { totalCount nodes { value unit normalizedValue normalizedUnit entity { key } } } }`, nil, &gdp)
	if gdp.Facts.TotalCount != 1 || *gdp.Facts.Nodes[0].NormalizedValue != 2009.5e8 || *gdp.Facts.Nodes[0].NormalizedUnit != "yuan" {
		t.Errorf("gdp: %+v", gdp.Facts)
	}

	// Every fact in one period range, walked in pages, matches a single page.
	all := factsPage{}
	s.MustQuery(t, `{ facts(filter: {periodFrom: "2020", periodTo: "2020"}, first: 100) { totalCount nodes { property period entity { key } } } }`, nil, &all)
	var walked []string
	after := ""
	for {
		var p factsPage
		s.MustQuery(t, `query($after: String) { facts(filter: {periodFrom: "2020", periodTo: "2020"}, first: 7, after: $after) {
		  totalCount pageInfo { hasNextPage endCursor } nodes { property period entity { key } } } }`, map[string]any{"after": nilIfEmpty(after)}, &p)
		for _, f := range p.Facts.Nodes {
			walked = append(walked, f.Entity.Key+" "+f.Property+" "+f.Period)
			if !strings.Contains(f.Period, "2020") && !strings.Contains(f.Period, "/") {
				t.Errorf("fact %s %s outside the range 2020", f.Property, f.Period)
			}
		}
		if !p.Facts.PageInfo.HasNextPage {
			break
		}
		after = p.Facts.PageInfo.EndCursor
	}
	if len(walked) != all.Facts.TotalCount || len(walked) != len(all.Facts.Nodes) {
		t.Errorf("walked %d facts in pages, one page holds %d, totalCount %d", len(walked), len(all.Facts.Nodes), all.Facts.TotalCount)
	}

	// Ordering by value compares normalized values across entities and
	// units: 3 万台 (30,000) ranks above 20,000 台 and 5 台.
	err := s.Store.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.AddDocument("test", tupu.Document{Key: "units-test", Title: "产量", Text: "华为年产20000台。ARM年产3万台。SONY年产5台。"}); err != nil {
			return err
		}
		for key, v := range map[string]struct {
			value float64
			unit  string
			quote string
		}{"huawei": {20000, "台", "华为年产20000台"}, "arm": {3, "万台", "ARM年产3万台"}, "sony": {5, "台", "SONY年产5台"}} {
			value := v.value
			src := tupu.Source{Document: "units-test", Quote: v.quote}
			set := func(f *tupu.Fact) { f.Value, f.Unit, f.Source = &value, v.unit, src }
			if _, err := tx.SetFact("test", key, "test_units", "", set); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var byValue factsPage
	s.MustQuery(t, `{ facts(filter: {property: "test_units"}, orderBy: {field: VALUE, direction: DESC}) {
	  totalCount nodes { property value unit normalizedValue normalizedUnit period entity { key } } } }`, nil, &byValue)
	var order []string
	for _, f := range byValue.Facts.Nodes {
		order = append(order, f.Entity.Key)
	}
	if byValue.Facts.TotalCount != 3 || strings.Join(order, " ") != "arm huawei sony" {
		t.Errorf("by value, largest first: %v (totalCount %d), want arm huawei sony", order, byValue.Facts.TotalCount)
	}
	if code := s.ErrorCode(t, `{ facts(orderBy: {field: VALUE}) { totalCount } }`, nil); code != "BAD_USER_INPUT" {
		t.Errorf("ordering by value without a property: code %s", code)
	}

	var cat struct {
		Properties []struct {
			Property, Label string
			Units           []string
			Count           int
		}
		Series []struct{ Value float64 }
	}
	s.MustQuery(t, `{ properties { property label units count } series(entity: "yubei-district", property: "gdp") { value } }`, nil, &cat)
	i := slices.IndexFunc(cat.Properties, func(p struct {
		Property, Label string
		Units           []string
		Count           int
	}) bool {
		return p.Property == "gdp"
	})
	if i < 0 || cat.Properties[i].Label != "地区生产总值" || !slices.Equal(cat.Properties[i].Units, []string{"亿元"}) || cat.Properties[i].Count != 1 {
		t.Errorf("the catalogue's gdp: %+v", cat.Properties)
	}
	if len(cat.Series) != 1 || cat.Series[0].Value != 2009.5 {
		t.Errorf("gdp series of 渝北区: %+v", cat.Series)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestFiltersAndOrder(t *testing.T) {
	s := mustServe(t)
	type conn struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Nodes []struct{ Key, Name string }
	}
	var d struct{ Parks conn }
	s.MustQuery(t, `{ parks(filter: {nameContains: "数据"}) { totalCount nodes { key name } } }`, nil, &d)
	if d.Parks.TotalCount != 1 || d.Parks.Nodes[0].Key != "xiantao-data-valley" {
		t.Errorf("parks named 数据: %+v", d.Parks)
	}

	// The companies 仙桃数据谷 hosts, by name, in pages of 3, match one page.
	const q = `query($after: String, $first: Int) { companies(first: $first, after: $after,
	  filter: {relatedTo: "xiantao-data-valley", relatedPredicate: "hosts"}, orderBy: {field: NAME, direction: DESC}) {
	  totalCount pageInfo { hasNextPage endCursor } nodes { key name } } }`
	var one struct{ Companies conn }
	s.MustQuery(t, q, map[string]any{"first": 100}, &one)
	if one.Companies.TotalCount < 10 || one.Companies.TotalCount != len(one.Companies.Nodes) {
		t.Fatalf("companies in 仙桃数据谷: %+v", one.Companies)
	}
	names := make([]string, len(one.Companies.Nodes))
	for i, n := range one.Companies.Nodes {
		names[i] = strings.ToLower(n.Name)
	}
	if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("not in descending name order: %v", names)
	}
	var walked []string
	after := ""
	for {
		var p struct{ Companies conn }
		s.MustQuery(t, q, map[string]any{"first": 3, "after": nilIfEmpty(after)}, &p)
		for _, n := range p.Companies.Nodes {
			walked = append(walked, strings.ToLower(n.Name))
		}
		if p.Companies.TotalCount != one.Companies.TotalCount {
			t.Errorf("totalCount changes between pages: %d, %d", p.Companies.TotalCount, one.Companies.TotalCount)
		}
		if !p.Companies.PageInfo.HasNextPage {
			break
		}
		after = p.Companies.PageInfo.EndCursor
	}
	if !slices.Equal(walked, names) {
		t.Errorf("paged walk %v\n  differs from one page %v", walked, names)
	}

	// A relation connection filtered by kind of far end and ordered by name.
	var rel struct {
		Entity struct {
			Relations struct {
				TotalCount int
				Nodes      []struct{ Kind, Name string }
			}
		}
	}
	s.MustQuery(t, `{ entity(key: "xiantao-data-valley") { relations(first: 50, filter: {kinds: [LAB]}, orderBy: {field: NAME}) {
	  totalCount nodes { kind name } } } }`, nil, &rel)
	if rel.Entity.Relations.TotalCount != 4 {
		t.Errorf("labs related to 仙桃数据谷: %+v", rel.Entity.Relations)
	}
	if code := s.ErrorCode(t, `{ parks(last: 2, orderBy: {field: NAME}) { totalCount } }`, nil); code != "BAD_USER_INPUT" {
		t.Errorf("last with orderBy: code %s", code)
	}
}

func TestLanguage(t *testing.T) {
	s := mustServe(t)
	var d struct {
		Entity struct{ Name, Label, Zh string }
		Kinds  []struct{ Label string }
	}
	s.MustQuery(t, `{ entity(key: "xiantao-data-valley") { name label(lang: EN) zh: label } kinds { label(lang: EN) } }`, nil, &d)
	if d.Entity.Label != "Chongqing Xiantao International Big Data Valley" || d.Entity.Zh != "重庆仙桃数据谷" || d.Entity.Name != "重庆仙桃数据谷" {
		t.Errorf("labels: %+v", d.Entity)
	}
	if d.Kinds[0].Label != "district" {
		t.Errorf("kind label in English: %+v", d.Kinds[0])
	}

	body, _ := json.Marshal(map[string]string{"query": `{ entity(key: "xiantao-data-valley") { label facts(property: "resident_companies") { label } } }`})
	req, _ := http.NewRequest("POST", s.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9,zh;q=0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Entity struct {
				Label string
				Facts []struct{ Label string }
			}
		}
	}
	json.NewDecoder(resp.Body).Decode(&r)
	if r.Data.Entity.Label != "Chongqing Xiantao International Big Data Valley" {
		t.Errorf("Accept-Language en: label %q", r.Data.Entity.Label)
	}
	for _, f := range r.Data.Entity.Facts {
		if f.Label != "resident companies" {
			t.Errorf("fact label in English: %q", f.Label)
		}
	}
}

func TestSearch_bilingual(t *testing.T) {
	s := mustServe(t)
	type result struct {
		Search struct {
			TotalCount int
			Nodes      []struct {
				Entity     struct{ Key string }
				Tier       string
				Field      string
				Matched    string
				Highlights []struct {
					Text       string
					Start, End int
				}
			}
		}
	}
	top := func(q string) (string, result) {
		var r result
		s.MustQuery(t, `query($q: String!) { search(query: $q, first: 5) { totalCount nodes { entity { key } tier field matched highlights { text start end } } } }`, map[string]any{"q": q}, &r)
		if len(r.Search.Nodes) == 0 {
			return "", r
		}
		return r.Search.Nodes[0].Entity.Key, r
	}
	for q, want := range map[string]string{
		"数据谷": "xiantao-data-valley", "谷": "xiantao-data-valley", "渝北区": "yubei-district", "渝": "yubei-district",
		"xiantao": "xiantao-data-valley", "xtsjg": "xiantao-data-valley", "yubei": "yubei-district", "yunyang": "yunyang-county",
		"qualcomm": "qualcomm", "QUALCOMM": "qualcomm", "qualcom": "qualcomm", "Qualcomn": "qualcomm", "huawie": "huawei",
		"高通": "qualcomm", "Texas Instruments": "texas-instruments",
	} {
		if got, r := top(q); got != want {
			t.Errorf("search %q: first %q, want %q (%+v)", q, got, want, r.Search.Nodes)
		}
	}
	_, r := top("渝北区")
	if n := r.Search.Nodes[0]; n.Tier != "EXACT_NAME" || len(n.Highlights) == 0 {
		t.Errorf("渝北区: %+v", n)
	}
	_, r = top("高通")
	if n := r.Search.Nodes[0]; n.Tier != "EXACT_ALIAS" {
		t.Errorf("高通: %+v", n)
	}

	// The index follows the graph: a new entity is found soon after it is made.
	editor := s.Token(t, "alice", store.RoleEditor)
	s.As(t, editor, `mutation { createEntity(input: {key: "phone-plant", kind: PROJECT, name: "智能手机工厂",
	  note: "The article names the company whose plant it is.", source: {document: "yubei-2021", quote: "在渝北前沿科技城内，由重庆传音科技有限公司所建"}}) { entity { key } } }`, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := top("智能手机工厂"); got == "phone-plant" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new entity is not found by search 5 s after its creation")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
