package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// gqlBody encodes a GraphQL request; the same query and variables always
// give the same bytes (encoding/json sorts map keys).
func gqlBody(query string, vars map[string]any) []byte {
	m := map[string]any{"query": query}
	if len(vars) > 0 {
		m["variables"] = vars
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// gql runs a setup query against tupu and decodes its data into out.
func (h *harness) gql(ctx context.Context, query string, vars map[string]any, out any) error {
	status, b, err := post(ctx, h.client, h.tupu.url, gqlBody(query, vars), h.tupu.header)
	if err != nil {
		return err
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return fmt.Errorf("HTTP %d: %s", status, truncate(string(b), 300))
	}
	if len(resp.Errors) > 0 {
		return fmt.Errorf("%s", resp.Errors[0].Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(resp.Data, out)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// schemaInfo is what introspection says about the fields workloads need.
type schemaInfo struct {
	queryFields map[string]map[string]bool // field -> its argument names
	mutations   map[string]bool
}

func (h *harness) introspect(ctx context.Context) (*schemaInfo, error) {
	var out struct {
		Schema struct {
			QueryType struct {
				Fields []struct {
					Name string `json:"name"`
					Args []struct {
						Name string `json:"name"`
					} `json:"args"`
				} `json:"fields"`
			} `json:"queryType"`
			MutationType *struct {
				Fields []struct {
					Name string `json:"name"`
				} `json:"fields"`
			} `json:"mutationType"`
		} `json:"__schema"`
	}
	err := h.gql(ctx, `{ __schema { queryType { fields { name args { name } } } mutationType { fields { name } } } }`, nil, &out)
	if err != nil {
		return nil, fmt.Errorf("introspection: %w", err)
	}
	si := &schemaInfo{queryFields: map[string]map[string]bool{}, mutations: map[string]bool{}}
	for _, f := range out.Schema.QueryType.Fields {
		args := map[string]bool{}
		for _, a := range f.Args {
			args[a.Name] = true
		}
		si.queryFields[f.Name] = args
	}
	if out.Schema.MutationType != nil {
		for _, f := range out.Schema.MutationType.Fields {
			si.mutations[f.Name] = true
		}
	}
	return si, nil
}

// node is an entity read while building workloads.
type node struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Name   string `json:"name"`
	NameEn string `json:"nameEn"`
}

// entitiesOf pages through entities(kind:, first: 100), at most pages pages.
func (h *harness) entitiesOf(ctx context.Context, kind string, pages int) ([]node, error) {
	const q = `query($kind: EntityKind, $after: String) {
  entities(kind: $kind, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id key name nameEn }
  }
}`
	var all []node
	var after any
	for range pages {
		var out struct {
			Entities struct {
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
				Nodes []node `json:"nodes"`
			} `json:"entities"`
		}
		if err := h.gql(ctx, q, map[string]any{"kind": kind, "after": after}, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Entities.Nodes...)
		if !out.Entities.PageInfo.HasNextPage {
			break
		}
		after = out.Entities.PageInfo.EndCursor
	}
	return all, nil
}

// record fetches tupu's answer to each candidate, in order, and keeps
// those answered as expected, until n are kept or the time budget is
// spent: with expect empty, an answer without errors whose data, when
// unique is set, no answer kept before has; with expect an error code
// (W6's COMPLEXITY_LIMIT), an answer every error of which has that code.
// It returns how many were dropped, with the first such answer.
func (h *harness) record(ctx context.Context, candidates [][]byte, n int, budget time.Duration, unique bool, expect string) (reqs []request, failed int, firstErr string, err error) {
	seen := map[string]bool{}
	deadline := time.Now().Add(budget)
	for _, body := range candidates {
		if len(reqs) >= n || time.Now().After(deadline) {
			break
		}
		start := time.Now()
		status, b, err := post(ctx, h.client, h.tupu.url, body, h.tupu.header)
		took := time.Since(start)
		if err != nil {
			return nil, 0, "", err
		}
		if status != http.StatusOK || !answeredAs(b, expect) {
			failed++
			if firstErr == "" {
				firstErr = fmt.Sprintf("HTTP %d: %s", status, truncate(string(b), 300))
			}
			continue
		}
		if unique && seen[answerData(b)] {
			continue
		}
		seen[answerData(b)] = true
		reqs = append(reqs, request{body: body, want: b, first: took})
	}
	return reqs, failed, firstErr, nil
}

// answeredAs says whether an answer has no errors (expect empty) or
// errors that all have the code expect.
func answeredAs(b []byte, expect string) bool {
	if expect == "" {
		return !hasErrors(b)
	}
	errs, ok := answerErrors(b)
	if !ok || len(errs) == 0 {
		return false
	}
	for _, e := range errs {
		if e.Extensions.Code != expect {
			return false
		}
	}
	return true
}

// answerError is one error of an answer, with the extensions the cost
// budget's refusals carry.
type answerError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code       string          `json:"code"`
		Value      json.Number     `json:"value"`
		Field      string          `json:"field"`
		Multiplier json.Number     `json:"multiplier"`
		Path       json.RawMessage `json:"path"`
	} `json:"extensions"`
}

// answerErrors returns an answer's errors; ok is false when it is not a
// GraphQL answer.
func answerErrors(b []byte) (errs []answerError, ok bool) {
	var r struct {
		Errors []answerError `json:"errors"`
	}
	if json.Unmarshal(b, &r) != nil {
		return nil, false
	}
	return r.Errors, true
}

// answerData is an answer's data: what tells answers apart, without the
// extensions (the cost figures differ with page sizes that give the same
// data).
func answerData(b []byte) string {
	var r struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(b, &r) != nil {
		return string(b)
	}
	return string(r.Data)
}

func hasErrors(b []byte) bool {
	var r struct {
		Errors []json.RawMessage `json:"errors"`
	}
	return json.Unmarshal(b, &r) != nil || len(r.Errors) > 0
}

// The W2 queries: from a district, a park or a company down to the
// partners of labs, with page sizes varied by the request.
const (
	w2District = `query W2District($k: String!, $p: Int!, $c: Int!, $l: Int!) {
  entity(key: $k) {
    ... on District {
      key name nameEn
      facts(property: "gdp") { value unit period source { quote } }
      parks(first: $p) {
        totalCount
        nodes {
          key name nameEn
          companies(first: $c) {
            totalCount
            nodes {
              key name
              labs(first: $l) { nodes { name nameEn partners(first: 20) { nodes { name nameEn kind } } } }
            }
          }
        }
      }
    }
  }
}`
	w2Park = `query W2Park($k: String!, $c: Int!, $l: Int!) {
  entity(key: $k) {
    ... on Park {
      key name nameEn
      district { name }
      companies(first: $c) {
        totalCount
        nodes {
          key name nameEn
          labs(first: $l) { nodes { name partners(first: 10) { nodes { name kind } } } }
        }
      }
    }
  }
}`
	w2Company = `query W2Company($k: String!, $l: Int!) {
  entity(key: $k) {
    ... on Company {
      key name nameEn aliases
      parks { nodes { name district { name } } }
      labs(first: $l) { nodes { name nameEn park { name } partners { nodes { name nameEn kind } } } }
    }
  }
}`
	w3Search = `query W3Search($q: String!, $n: Int!) {
  search(query: $q, first: $n) { totalCount nodes { score matched entity { key name kind } } }
}`
)

// graphKeys are entities read from the graph to build workloads from.
type graphKeys struct {
	districts, parks, companies, labs []node
}

func (h *harness) readKeys(ctx context.Context) (*graphKeys, error) {
	var k graphKeys
	var err error
	if k.districts, err = h.entitiesOf(ctx, "DISTRICT", 20); err != nil {
		return nil, err
	}
	if k.parks, err = h.entitiesOf(ctx, "PARK", 20); err != nil {
		return nil, err
	}
	if k.companies, err = h.entitiesOf(ctx, "COMPANY", 10); err != nil {
		return nil, err
	}
	if k.labs, err = h.entitiesOf(ctx, "LAB", 5); err != nil {
		return nil, err
	}
	if len(k.districts) == 0 || len(k.parks) == 0 || len(k.companies) == 0 {
		return nil, fmt.Errorf("the graph has %d districts, %d parks, %d companies: too few to build workloads", len(k.districts), len(k.parks), len(k.companies))
	}
	return &k, nil
}

// w2Candidates are nested queries over many entities and page sizes,
// shuffled: a third from districts, a third from parks, a third from
// companies. Pages run from 1 to what frontends ask for (50 parks, 100
// companies, 50 labs).
func w2Candidates(k *graphKeys, n int, r *rand.Rand) [][]byte {
	var out [][]byte
	for i := range 3 * n {
		switch i % 3 {
		case 0:
			d := k.districts[r.IntN(len(k.districts))]
			out = append(out, gqlBody(w2District, map[string]any{"k": d.Key, "p": 1 + r.IntN(50), "c": 5 + r.IntN(96), "l": 1 + r.IntN(50)}))
		case 1:
			p := k.parks[r.IntN(len(k.parks))]
			out = append(out, gqlBody(w2Park, map[string]any{"k": p.Key, "c": 5 + r.IntN(96), "l": 1 + r.IntN(50)}))
		case 2:
			c := k.companies[r.IntN(len(k.companies))]
			out = append(out, gqlBody(w2Company, map[string]any{"k": c.Key, "l": 1 + r.IntN(50)}))
		}
	}
	return out
}

// w3Candidates are searches for names as the graph writes them: whole
// Chinese and English names, prefixes, and words from inside names.
func w3Candidates(k *graphKeys, n int, r *rand.Rand) [][]byte {
	pool := append(append(append([]node{}, k.districts...), k.parks...), k.companies...)
	seen := map[string]bool{}
	var out [][]byte
	for tries := 0; len(out) < 3*n && tries < 30*n; tries++ {
		e := pool[r.IntN(len(pool))]
		runes := []rune(e.Name)
		var q string
		switch r.IntN(6) {
		case 0:
			q = e.Name
		case 1:
			q = e.NameEn
		case 2: // a Chinese prefix
			q = string(runes[:min(len(runes), 2+r.IntN(2))])
		case 3: // a word inside a Chinese name
			if len(runes) > 3 {
				i := 1 + r.IntN(len(runes)-2)
				q = string(runes[i:min(len(runes), i+2)])
			}
		case 4: // an English prefix, lower case
			if f := strings.Fields(e.NameEn); len(f) > 0 && utf8.RuneCountInString(f[0]) >= 4 {
				q = strings.ToLower(f[0][:3+r.IntN(len(f[0])-3)])
			}
		case 5: // an English word
			if f := strings.Fields(e.NameEn); len(f) > 1 {
				q = f[r.IntN(len(f))]
			}
		}
		if q == "" || seen[q] {
			continue
		}
		seen[q] = true
		out = append(out, gqlBody(w3Search, map[string]any{"q": q, "n": 10}))
	}
	return out
}

// W4: neighbourhoods and paths, as the schema has them.
const (
	w4Neighborhood = `query W4Neighborhood($id: ID!, $depth: Int!) {
  neighborhood(id: $id, depth: $depth) {
    nodes { id key name kind }
    edges { from to predicate }
  }
}`
	w4Paths = `query W4Paths($from: ID!, $to: ID!, $hops: Int!) {
  paths(from: $from, to: $to, maxHops: $hops) {
    length
    steps { from { key name } predicate direction to { key name } }
  }
}`
)

// w4Candidates alternate a neighbourhood of depth 1 or 2 around a park,
// company or lab and the paths between two companies, or a company and a
// district (most are a few hops apart through parks and districts).
func w4Candidates(k *graphKeys, si *schemaInfo, n int, r *rand.Rand) ([][]byte, []string) {
	var notes []string
	nb, ok1 := si.queryFields["neighborhood"]
	pa, ok2 := si.queryFields["paths"]
	useNb := ok1 && nb["id"] && nb["depth"]
	usePa := ok2 && pa["from"] && pa["to"] && pa["maxHops"]
	if !useNb {
		notes = append(notes, "W4: no neighborhood(id:, depth:) field; neighbourhoods skipped")
	}
	if !usePa {
		notes = append(notes, "W4: no paths(from:, to:, maxHops:) field; paths skipped")
	}
	if !useNb && !usePa {
		return nil, notes
	}
	centres := append(append(append([]node{}, k.parks...), k.companies...), k.labs...)
	var out [][]byte
	for i := 0; len(out) < 3*n && i < 6*n; i++ {
		if useNb && (!usePa || i%2 == 0) {
			c := centres[r.IntN(len(centres))]
			out = append(out, gqlBody(w4Neighborhood, map[string]any{"id": c.ID, "depth": 1 + r.IntN(2)}))
			continue
		}
		from := k.companies[r.IntN(len(k.companies))]
		to := k.companies[r.IntN(len(k.companies))]
		if r.IntN(2) == 0 {
			to = k.districts[r.IntN(len(k.districts))]
		}
		if from.Key == to.Key {
			continue
		}
		out = append(out, gqlBody(w4Paths, map[string]any{"from": from.ID, "to": to.ID, "hops": 2 + r.IntN(3)}))
	}
	return out, notes
}

// W5's writes: setFact on companies, a property no read selects.
const w5SetFact = `mutation W5SetFact($input: SetFactInput!) {
  setFact(input: $input) { fact { property text period } }
}`

// w5Writes returns write requests setting a fact on companies, citing
// the words that already name each company in its document.
func (h *harness) w5Writes(ctx context.Context, k *graphKeys, n int, r *rand.Rand) ([][]byte, error) {
	const q = `query($k: String!) { entity(key: $k) { id source { quote document { id } } } }`
	var out [][]byte
	for i := 0; i < n && i < 4*n; i++ {
		c := k.companies[r.IntN(len(k.companies))]
		var got struct {
			Entity struct {
				ID     string `json:"id"`
				Source *struct {
					Quote    string `json:"quote"`
					Document struct {
						ID string `json:"id"`
					} `json:"document"`
				} `json:"source"`
			} `json:"entity"`
		}
		if err := h.gql(ctx, q, map[string]any{"k": c.Key}, &got); err != nil {
			return nil, err
		}
		if got.Entity.Source == nil || got.Entity.Source.Quote == "" {
			continue
		}
		// A statement in words (a figure must be written in its quote,
		// and these name a company): some of the quote's first words,
		// as many as chance says, so that each write changes the fact.
		words := []rune(got.Entity.Source.Quote)
		out = append(out, gqlBody(w5SetFact, map[string]any{"input": map[string]any{
			"entity": got.Entity.ID, "property": "bench_load", "label": "负载测试",
			"text": string(words[:1+r.IntN(len(words))]), "period": "2021",
			"source": map[string]any{"document": got.Entity.Source.Document.ID, "quote": got.Entity.Source.Quote},
		}}))
	}
	return out, nil
}
