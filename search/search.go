// Package search is a bilingual full-text index of the graph's entities:
// their Chinese and English names, aliases and descriptions, and the
// pinyin of their Chinese names.
//
// # Why bleve, bigrams and unigrams, and pinyin
//
// The index is a bleve (github.com/blevesearch/bleve/v2, pure Go) index in
// a directory of its own beside the data file. Chinese is not written with
// spaces, and dictionary segmenters split names into words that queries
// cut differently (据谷, a fragment of 数据谷, is no word), so text is
// indexed as overlapping CJK bigrams plus single characters (bleve's
// cjk_bigram filter with output_unigram): a phrase query then finds any
// run of characters, 数据谷 and 谷 alike, while Latin text is indexed by
// lower-cased words. Pinyin comes from github.com/mozillazg/go-pinyin,
// which has no phrase dictionary, so a character with several readings
// contributes every reading (重庆 is indexed as chongqing and zhongqing,
// and cq and zq), up to a cap per name. The pinyin of each Chinese name is
// indexed whole and from every syllable on, in full and by initials, so
// yubei, xiantao and xtsjg all find their entity.
//
// # Ranking
//
// A hit's Tier says how the query relates to the text it matched; hits are
// ordered by tier, best first:
//
//	ExactName   the query is the entity's name or English name
//	ExactAlias  the query is one of its aliases
//	Prefix      a name, English name or alias starts or ends with the
//	            query (a Latin query at a word: Data Valley ends
//	            Chongqing Xiantao Data Valley, ata Valley does not)
//	Inside      the query occurs inside one of them, as a run of
//	            characters, or, for a query of several words, word by
//	            word; or each Latin word of the query starts a word of
//	            the name or its stem starts the word's stem (lab, labo,
//	            labs: Laboratory; industries: Industry)
//	Description the query occurs in the description (as a run, then word
//	            by word)
//	Fuzzy       every Latin word of the query is within one edit (4 or 5
//	            letters) or two (6 or more) of a word of a name, or a
//	            query of Han characters sounds like a name (渝北去 for
//	            渝北区: homophones are the typos of pinyin input); tried
//	            only when no other tier has a hit, as a typo's fallback
//
// A name's end shares the Prefix tier with its start because in Chinese
// and English names alike the head comes last: 重庆仙桃数据谷 (Chongqing
// Xiantao Data Valley) is a data valley qualified by its city, 仙桃数据谷北
// 立交 (Xiantao Data Valley North Interchange) a road named after it. A
// query that is a name but for a qualifier in front (Xiantao Data Valley,
// 仙桃数据谷) then meets the one that starts a longer name in one tier,
// where the name it covers more comes first: the park before the road.
//
// Pinyin is not a tier of its own but another way of writing a Chinese
// name: a query that spells a whole name in pinyin or its initials (cqs,
// chongqingshi for 重庆市) is an ExactName or ExactAlias hit, one that
// spells its start or its end (xiantao or shujugu for 仙桃数据谷) a Prefix
// hit, one that starts at a later syllable and ends before the last
// (taoshuju) an Inside hit. A query may mix pinyin and characters
// (xiantao数据谷): each character stands for itself. Such hits have
// Field "pinyin" and Matched the Chinese name. Comparisons fold case,
// fullwidth forms, punctuation, diacritics (tone marks) and script:
// traditional Chinese is compared as simplified, by OpenCC's phrase and
// character dictionaries (see fold and simplified). Tone numbers are
// dropped from a query in pinyin (xian1tao2 is xiantao), and ü may be
// typed ü, v or u.
//
// An entity is reported once, in the best tier it reaches. Within the
// name tiers and the fuzzy tier, hits are ordered by how much of the
// matched text the query covers (谷 ranks 数据谷 before 仙桃数据谷北立交;
// near spellings and homophones of a whole name first), then written matches
// before pinyin ones, then by bleve's relevance score, then by the length
// of the entity's shortest name, then by key. Coverage needs each
// candidate's names, so it is applied when a tier has at most RerankLimit
// hits; a larger tier (a one-character query on a large graph) is ordered
// by score and key alone, as is the description tier. Either
// way the order is total and fixed for a given index, so pages are
// stable. Score is only comparable between hits of the same tier.
//
// Each tier is a bleve query that excludes the entities of the tiers
// before it, so Offset/Limit page through one order. Once the page is
// full, the remaining tiers are only counted.
//
// # Bounded work
//
// A search reads one snapshot of the index and streams each stage's
// matches itself instead of having bleve collect them, so its work and
// memory are bounded however broad the query: a stage examines (or, once
// the page is full, counts) at most maxCandidates matches, in index
// order, and keeps the best of those; a prefix (the Prefix tier, pinyin)
// is expanded to at most maxExpand indexed terms. A stage that reaches
// its bound reports only the matches it examined, and the later stages
// are left out: they would have to skip all its matches first. Within
// the bounds, which the seed graph is far from, Total is exact and the
// order is the one described above; beyond them Result.TotalIsExact is
// false, Total is a lower bound, and a large tier is ordered among the
// matches examined. Either way an index answers a query the same way
// every time, so pages stay stable and Total is the same on every page.
//
// Queries are built programmatically: nothing the user types is read as
// bleve query syntax.
//
// The index records the graph version it reflects (Version); its owner
// rebuilds it when that differs from the graph's, and updates it with each
// change otherwise.
package search

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"tupu"
)

// Limits on a Query.
const (
	MaxQueryRunes = 200    // longer query texts are refused
	DefaultLimit  = 20     // the Limit used when a Query leaves it 0
	MaxLimit      = 100    // larger limits are refused
	MaxOffset     = 10_000 // deeper pages are refused
	// RerankLimit is the largest tier ordered by coverage (see the
	// package comment).
	RerankLimit = 500
	// minFetch is the fewest hits a stage fetches, so that small stages
	// are fetched whole and excluded from later stages by key.
	minFetch = 32
)

// The bounds on the work of one search (see the package comment). They
// are variables so tests can lower them.
var (
	// maxCandidates is how many matches of one stage are examined, in
	// index order (the best of them are kept), or counted once the page
	// is full. It exceeds RerankLimit, so every tier small enough to
	// rerank is examined whole.
	maxCandidates = 2000
	// maxExpand is how many indexed terms a prefix query expands to.
	maxExpand = 256
)

// Query asks for the entities matching Text.
type Query struct {
	// Text is what the user typed: Chinese, English or pinyin. It is
	// matched as text; characters such as + - : ~ * " ( ) have no
	// special meaning.
	Text string
	// Kinds keeps only entities of these kinds; empty means all.
	Kinds []tupu.Kind
	// Offset skips that many hits of the order; Limit caps how many are
	// returned (DefaultLimit if 0, at most MaxLimit).
	Offset, Limit int
}

// Result is one page of hits.
type Result struct {
	// Total is the number of matching entities, the same on every page.
	// It is exact if TotalIsExact, else a lower bound: the search
	// stopped counting at one of its bounds (see the package comment).
	Total        int
	TotalIsExact bool
	Hits         []Hit // best first
}

// Hit is an entity that matched, and why.
type Hit struct {
	Key   string
	Kind  tupu.Kind
	Score float64 // bleve's relevance score, comparable within a Tier only
	Tier  Tier    // how it matched; hits are ordered by Tier first
	// Matched is the name, English name or alias that matched, as the
	// entity writes it. For a Description hit it is the entity's name.
	Matched string
	// Field is where the match is: "name", "nameEn", "alias", "pinyin"
	// (the pinyin of Matched, a Chinese name or alias) or "description".
	Field string
	// Highlights mark what matched: in Matched, or for a Description hit
	// in an excerpt of the description. A query of several words may
	// mark several parts.
	Highlights []Highlight
}

// Highlight is a text with the part that matched marked.
type Highlight struct {
	Text       string // Matched, or an excerpt of the description
	Start, End int    // the matched part: rune offsets [Start, End) in Text
}

// Tier is how an entity matched. A lower tier is a better match.
type Tier int

// The tiers, best first. See the package comment.
const (
	ExactName Tier = iota + 1
	ExactAlias
	Prefix
	Inside
	Description
	Fuzzy
)

var tierNames = [...]string{"", "EXACT_NAME", "EXACT_ALIAS", "PREFIX", "INSIDE", "DESCRIPTION", "FUZZY"}

// String returns the tier's name in the style of a GraphQL enum value.
func (t Tier) String() string {
	if t >= ExactName && t <= Fuzzy {
		return tierNames[t]
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// plan is a query text analysed once for all stages.
type plan struct {
	text   string            // trimmed
	folded folded            // fold(text)
	words  [][]rune          // folded's words
	pieces []pyPiece         // the text read as pinyin, if it can be
	py     []string          // its spellings, to look up
	han    []string          // the runs of Han characters of a mixed query
	homo   []string          // the spellings of a query of Han characters only
	latin  []string          // the text's words if all are Latin, for fuzzy matching
	ana    analysis.Analyzer // of names and descriptions
	stemA  analysis.Analyzer // of the stems of names' Latin words
	stems  map[string]string // stem's answers so far: names share words
}

func newPlan(text string, ana, stemA analysis.Analyzer) *plan {
	f := fold(text)
	if t, ok := withoutToneNumbers(f); ok { // xian1tao2 is xiantao
		text, f = t, fold(t)
	}
	p := &plan{text: text, folded: f, ana: ana, stemA: stemA}
	p.words = p.folded.words()
	p.pieces, p.py = pinyinPlan(p.folded)
	p.homo = homophones(p.folded)
	var run []rune
	for _, pc := range append(p.pieces, pyPiece{}) {
		if pc.han != 0 {
			run = append(run, pc.han)
		} else if len(run) > 0 {
			p.han, run = append(p.han, string(run)), nil
		}
	}
	for _, w := range p.words {
		for _, r := range w {
			if !isWordRune(r) {
				p.latin = nil
				return p
			}
		}
		p.latin = append(p.latin, string(w))
	}
	return p
}

// stage is one bleve query of a search. A search runs its stages in
// order; each excludes the entities of the stages before it.
type stage struct {
	tier  Tier
	words bool // Inside or Description word by word, not as a run
	// starts: Inside, each word the start of a word or of its stem
	starts bool
	rerank bool // ordered by coverage when small enough
	// fallback stages run only when the stages before found nothing
	fallback bool
	q        query.Query        // what an entity must match to be in the stage
	build    func() query.Query // makes q when the stage runs, if q is nil
	score    query.Query        // optional: scored, not required
}

// runTerms analyzes text for a phrase query: the terms at each position,
// with "" where any term will do. Where the analyzer emits a CJK bigram
// and its unigram at a position, only the bigram is kept, and a unigram
// the previous bigram already covers is left out: 数据谷 becomes
// [数据 据谷], two rare terms instead of five.
func runTerms(ana analysis.Analyzer, text string) [][]string {
	var terms [][]string
	var prevEnd int // end of the bigram at the previous position, or -1
	toks := ana.Analyze([]byte(text))
	for i := 0; i < len(toks); {
		j := i
		for j < len(toks) && toks[j].Position == toks[i].Position {
			j++
		}
		var at []string
		bigramEnd := -1
		for _, t := range toks[i:j] {
			if t.Type == analysis.Double {
				at = append(at, string(t.Term))
				bigramEnd = t.End
			}
		}
		if at == nil {
			covered := true
			for _, t := range toks[i:j] {
				at = append(at, string(t.Term))
				covered = covered && t.Type == analysis.Single && t.End == prevEnd
			}
			if covered {
				at = []string{""}
			}
		}
		terms = append(terms, at)
		prevEnd = bigramEnd
		i = j
	}
	for len(terms) > 0 && len(terms[len(terms)-1]) == 1 && terms[len(terms)-1][0] == "" {
		terms = terms[:len(terms)-1]
	}
	return terms
}

// endRun returns a query for the names that end with text as a run: its
// terms with the last marked as a name's last (see endFilter).
func (p *plan) endRun(text string) query.Query {
	toks := p.ana.Analyze([]byte(text))
	if len(toks) == 0 {
		return bleve.NewMatchNoneQuery()
	}
	first, last := toks[0].Position, toks[len(toks)-1].Position
	var ends []string
	for _, t := range toks {
		if t.Position == last {
			ends = append(ends, string(t.Term)+endSuffix)
		}
	}
	terms := runTerms(p.ana, text) // its trailing covered positions left out
	for len(terms) < last-first {
		terms = append(terms, []string{""})
	}
	terms = append(terms[:last-first], ends)
	if len(terms) == 1 && len(ends) == 1 {
		return term(ends[0], fNames)
	}
	return &phraseQuery{terms: terms, field: fNames}
}

// run returns a query for text as a run of words or characters in field.
func (p *plan) run(text, field string) query.Query {
	terms := runTerms(p.ana, text)
	switch {
	case len(terms) == 0:
		return bleve.NewMatchNoneQuery()
	case len(terms) == 1 && len(terms[0]) == 1:
		return term(terms[0][0], field)
	}
	return &phraseQuery{terms: terms, field: field}
}

// allWords returns a query for each word of the text (split at spaces)
// as a run in field.
func (p *plan) allWords(field string) query.Query {
	var qs []query.Query
	for _, w := range strings.Fields(p.text) {
		qs = append(qs, p.run(w, field))
	}
	return bleve.NewConjunctionQuery(qs...)
}

func term(t, field string) query.Query {
	q := bleve.NewTermQuery(t)
	q.SetField(field)
	return q
}

func prefix(t, field string) query.Query {
	q := bleve.NewPrefixQuery(t)
	q.SetField(field)
	return q
}

func fuzzy(t, field string, fuzziness int) query.Query {
	q := bleve.NewFuzzyQuery(t)
	q.SetField(field)
	q.SetFuzziness(fuzziness)
	return q
}

func or(qs ...query.Query) query.Query { return bleve.NewDisjunctionQuery(qs...) }

// fuzziness is how many edits a Latin word of n letters may be off by:
// none below 4 letters (ti, arm), where one edit finds too much.
func fuzziness(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 6:
		return 1
	default:
		return 2
	}
}

// pinyin returns a query for the text's pinyin spellings in fields, each
// made by q; for a mixed query, the names must also have its Han
// characters (yubei区: a name read yubeiqu that has 区).
func (p *plan) pinyin(q func(t, field string) query.Query, fields ...string) query.Query {
	var qs []query.Query
	for _, f := range fields {
		for _, sp := range p.py {
			qs = append(qs, q(sp, f))
		}
	}
	if len(p.han) == 0 {
		return or(qs...)
	}
	all := []query.Query{or(qs...)}
	for _, h := range p.han {
		all = append(all, p.run(h, fNames))
	}
	return bleve.NewConjunctionQuery(all...)
}

// minStart is the shortest Latin word a query may give as the start of a
// word of a name: shorter ones (a, x) would start too many.
const minStart = 2

// wordStarts returns a query for names that have, for each Latin word of
// the query, a word it starts (lab: Laboratory) or whose stem its stem
// starts (labs, stem lab: Laboratory, stem laboratori; industries, stem
// industri: Industry), or nil if the query is not Latin words.
func (p *plan) wordStarts(pre func(t, field string) query.Query) query.Query {
	if len(p.latin) == 0 {
		return nil
	}
	var each []query.Query
	for _, w := range p.latin {
		if runeLen(w) < minStart {
			each = append(each, term(w, fNames))
			continue
		}
		each = append(each, or(pre(w, fNames), pre(p.stem(w), fStem)))
	}
	return bleve.NewConjunctionQuery(each...)
}

// stem returns the stem of a folded Latin word, as the index stems the
// words of names.
func (p *plan) stem(w string) string {
	if st, ok := p.stems[w]; ok {
		return st
	}
	st := w
	if toks := p.stemA.Analyze([]byte(w)); len(toks) == 1 {
		st = string(toks[0].Term)
	}
	if p.stems == nil {
		p.stems = map[string]string{}
	}
	p.stems[w] = st
	return st
}

// stages returns the bleve queries of a search, best tier first. pre
// makes the prefix queries.
func (p *plan) stages(pre func(t, field string) query.Query) []stage {
	var ss []stage
	x := p.folded.String()
	if x == "" { // only punctuation: nothing can match
		return nil
	}
	exactName, exactAlias := term(x, fXName), term(x, fXAlias)
	start := or(pre(x, fXName), pre(x, fXAlias), p.endRun(p.text))
	inside := p.run(p.text, fNames)
	if len(p.py) > 0 {
		exactName = or(exactName, p.pinyin(term, fPyName))
		exactAlias = or(exactAlias, p.pinyin(term, fPyAlias))
		start = or(start, p.pinyin(pre, fPyName, fPyAlias), p.pinyin(term, fPyInner))
		inside = or(inside, p.pinyin(pre, fPyInner))
	}
	ss = append(ss,
		stage{tier: ExactName, rerank: true, q: exactName},
		stage{tier: ExactAlias, rerank: true, q: exactAlias},
		stage{tier: Prefix, rerank: true, q: start, score: p.run(p.text, fNames)},
		stage{tier: Inside, rerank: true, q: inside},
	)
	if len(p.words) > 1 {
		ss = append(ss, stage{tier: Inside, words: true, rerank: true, q: p.allWords(fNames)})
	}
	if q := p.wordStarts(pre); q != nil {
		ss = append(ss, stage{tier: Inside, words: true, starts: true, rerank: true, q: q})
	}
	ss = append(ss, stage{tier: Description, q: p.run(p.text, fDesc)})
	if len(p.words) > 1 {
		ss = append(ss, stage{tier: Description, words: true, q: p.allWords(fDesc)})
	}
	if len(p.latin) > 0 {
		var each []query.Query
		anyFuzzy := false
		for _, w := range p.latin {
			if f := fuzziness(runeLen(w)); f > 0 {
				anyFuzzy = true
				each = append(each, fuzzy(w, fNames, f))
			} else {
				each = append(each, term(w, fNames))
			}
		}
		if anyFuzzy {
			ss = append(ss, stage{tier: Fuzzy, fallback: true, rerank: true, q: bleve.NewConjunctionQuery(each...)})
		}
	}
	if len(p.homo) > 0 {
		// Characters that sound like a name's: its pinyin from the start
		// or from a later syllable.
		// Made only if it runs: each prefix reads the term dictionary.
		build := func() query.Query {
			var qs []query.Query
			for _, sp := range p.homo {
				qs = append(qs, pre(sp, fPyName), pre(sp, fPyAlias), pre(sp, fPyInner))
			}
			return or(qs...)
		}
		ss = append(ss, stage{tier: Fuzzy, fallback: true, rerank: true, build: build})
	}
	return ss
}

// Search returns the entities matching q, best first, and how many match
// in all. An empty or blank Text, a Text longer than MaxQueryRunes, an
// unknown kind or a bad Offset or Limit is a BAD_USER_INPUT error. A Text
// of punctuation only matches nothing.
func (ix *Index) Search(q Query) (*Result, error) {
	text := strings.TrimSpace(q.Text)
	switch {
	case text == "":
		return nil, tupu.Errorf(tupu.BadUserInput, "search: the query text is empty")
	case utf8.RuneCountInString(text) > MaxQueryRunes:
		return nil, tupu.Errorf(tupu.BadUserInput, "search: the query text is longer than %d characters", MaxQueryRunes)
	case !utf8.ValidString(text):
		return nil, tupu.Errorf(tupu.BadUserInput, "search: the query text is not valid UTF-8")
	case q.Offset < 0 || q.Offset > MaxOffset:
		return nil, tupu.Errorf(tupu.BadUserInput, "search: offset must be between 0 and %d", MaxOffset)
	case q.Limit < 0 || q.Limit > MaxLimit:
		return nil, tupu.Errorf(tupu.BadUserInput, "search: limit must be between 0 and %d", MaxLimit)
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	var kinds []query.Query
	for _, k := range q.Kinds {
		if _, ok := tupu.KindByName(string(k)); !ok {
			return nil, tupu.Errorf(tupu.BadUserInput, "search: unknown kind %q", k)
		}
		kinds = append(kinds, term(string(k), fKind))
	}

	bi, release, err := ix.index()
	if err != nil {
		return nil, err
	}
	defer release()
	adv, err := bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader() // one snapshot for all stages
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer r.Close()
	s := &searcher{
		ctx: context.Background(), bi: bi, r: r,
		plan: newPlan(text, bi.Mapping().AnalyzerNamed(textAna), bi.Mapping().AnalyzerNamed(stemAna)), kinds: kinds,
	}
	stages := s.plan.stages(s.prefix)
	res := &Result{Hits: []Hit{}}
	skip, need := q.Offset, limit
	for i, st := range stages {
		if st.fallback && res.Total > 0 {
			break
		}
		if need == 0 {
			// The page is full: only count the rest, stage by stage, so
			// that each is bounded as when it runs.
			for _, st := range stages[i:] {
				if st.fallback {
					continue
				}
				n, more, err := s.count(st.q)
				if err != nil {
					return nil, err
				}
				res.Total += n
				if more {
					break
				}
			}
			break
		}
		total, hits, more, err := s.run(st, skip, need)
		if err != nil {
			return nil, err
		}
		res.Total += total
		res.Hits = append(res.Hits, hits...)
		skip = max(0, skip-total)
		need -= len(hits)
		if more {
			// The stage reached its bound: the later stages, which
			// would have to skip all its matches, are left out.
			break
		}
	}
	res.TotalIsExact = !s.approx
	return res, nil
}

// searcher runs the stages of one search. Each stage excludes the
// entities of the stages before it, by the internal IDs of the snapshot:
// a stage is streamed whole before the next runs (or the later stages
// are left out), so its matches are known without running its query
// again.
type searcher struct {
	ctx    context.Context
	bi     bleve.Index
	r      index.IndexReader // the snapshot searched
	approx bool              // a bound was reached: Total is a lower bound
	plan   *plan
	kinds  []query.Query
	seen   docSet // the entities of the stages run or counted so far
}

// restrict returns q limited to the wanted kinds and to the entities no
// earlier stage has.
func (s *searcher) restrict(q query.Query) query.Query {
	bq := bleve.NewBooleanQuery()
	bq.AddMust(q)
	if len(s.kinds) > 0 {
		bq.AddMust(or(s.kinds...))
	}
	if s.seen.len() > 0 {
		bq.MustNot = s.seen.query()
	}
	return bq
}

// prefix returns a query for the terms of field that start with t, or
// if more than maxExpand terms do, for the first maxExpand of them (in
// term order), and the search is inexact. The terms are read from the
// snapshot once, here: the query matches and scores as bleve's prefix
// query, which would read them again (see expandedQuery).
func (s *searcher) prefix(t, field string) query.Query {
	d, err := s.r.FieldDictPrefix(field, []byte(t))
	if err != nil {
		return prefix(t, field) // let bleve report it
	}
	defer d.Close()
	var terms []string
	for len(terms) <= maxExpand {
		e, err := d.Next()
		if err != nil {
			return prefix(t, field) // let bleve report it
		}
		if e == nil {
			break
		}
		terms = append(terms, e.Term)
	}
	if len(terms) <= maxExpand {
		return &expandedQuery{prefix: t, terms: terms, field: field}
	}
	s.approx = true
	qs := make([]query.Query, maxExpand)
	for i, t := range terms[:maxExpand] {
		qs[i] = term(t, field)
	}
	return or(qs...)
}

// count returns how many entities match q, a stage's query, and no
// earlier stage, counting at most maxCandidates as run does, and whether
// more do; the entities counted are excluded from the later stages.
func (s *searcher) count(q query.Query) (int, bool, error) {
	_, n, more, err := s.collect(s.restrict(q), false, maxCandidates)
	return n, more, err
}

// scored is a match of a stage: its internal ID in the snapshot, its
// key once looked up (see best), and its score.
type scored struct {
	iid   string
	id    string
	score float64
}

// collect streams the matches of q from the snapshot, at most limit of
// them (in index order), adds them to the entities seen, and returns them
// with their scores if score, how many it took, and whether more match,
// which makes the search inexact.
func (s *searcher) collect(q query.Query, score bool, limit int) ([]scored, int, bool, error) {
	opts := bsearch.SearcherOptions{}
	if !score {
		opts.Score = "none"
	}
	sr, err := q.Searcher(s.ctx, s.r, s.bi.Mapping(), opts)
	if err != nil {
		return nil, 0, false, fmt.Errorf("search: %w", err)
	}
	defer sr.Close()
	sctx := &bsearch.SearchContext{
		DocumentMatchPool: bsearch.NewDocumentMatchPool(sr.DocumentMatchPoolSize()+1, 0),
		IndexReader:       s.r,
	}
	var out []scored
	n := 0
	for {
		dm, err := sr.Next(sctx)
		if err != nil {
			return nil, 0, false, fmt.Errorf("search: %w", err)
		}
		if dm == nil {
			return out, n, false, nil
		}
		if n == limit {
			s.approx = true
			return out, n, true, nil
		}
		n++
		iid := string(dm.IndexInternalID)
		s.seen.add(iid)
		if score {
			out = append(out, scored{iid: iid, score: dm.Score})
		}
		sctx.DocumentMatchPool.Put(dm)
	}
}

// run runs one stage and returns how many entities it has (at most
// maxCandidates), its hits from skip, at most need, and whether more
// entities match than it examined.
func (s *searcher) run(st stage, skip, need int) (int, []Hit, bool, error) {
	if st.q == nil {
		st.q = st.build()
	}
	q := s.restrict(st.q)
	if st.score != nil {
		bq := q.(*query.BooleanQuery)
		bq.AddShould(st.score)
	}
	// Keep the hits up to the end of the page, or all of a small stage
	// to be ranked by coverage, best first: by score, then key.
	cands, total, more, err := s.collect(q, true, maxCandidates)
	if err != nil {
		return 0, nil, false, err
	}
	if skip >= total {
		return total, nil, more, nil
	}
	rerank := st.rerank && total <= RerankLimit
	size := max(skip+need, minFetch)
	if rerank {
		size = total
	}
	found, err := s.best(cands, size)
	if err != nil {
		return 0, nil, false, err
	}
	type ranked struct {
		hit   Hit
		m     match
		short int
	}
	toRank := found
	if !rerank {
		toRank = found[min(skip, len(found)):min(skip+need, len(found))]
	}
	docs, err := s.load(toRank)
	if err != nil {
		return 0, nil, false, err
	}
	rs := make([]ranked, 0, len(toRank))
	for _, h := range toRank {
		e, ok := docs[h.id]
		if !ok { // no stored document: leave it out
			continue
		}
		m := s.plan.explain(st, e)
		rs = append(rs, ranked{
			hit: Hit{
				Key: h.id, Kind: e.Kind, Score: h.score, Tier: st.tier,
				Matched: m.matched, Field: m.field, Highlights: m.highlights,
			},
			m: m, short: e.shortest(),
		})
	}
	if rerank {
		slices.SortStableFunc(rs, func(a, b ranked) int {
			switch {
			case a.m.coverage != b.m.coverage:
				return cmpDesc(a.m.coverage, b.m.coverage)
			case a.m.pinyin != b.m.pinyin:
				if a.m.pinyin {
					return 1
				}
				return -1
			case a.hit.Score != b.hit.Score:
				return cmpDesc(a.hit.Score, b.hit.Score)
			case a.short != b.short:
				return a.short - b.short
			default:
				return strings.Compare(a.hit.Key, b.hit.Key)
			}
		})
		rs = rs[min(skip, len(rs)):min(skip+need, len(rs))]
	}
	hits := make([]Hit, len(rs))
	for i, r := range rs {
		hits[i] = r.hit
	}
	return total, hits, more, nil
}

// best returns the first n of cands by score, best first, then by key,
// with their keys. Looking a key up reads the stored document, so only
// the keys of the matches that can be among the first n are looked up:
// those scoring at least the nth best score.
func (s *searcher) best(cands []scored, n int) ([]scored, error) {
	slices.SortFunc(cands, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	if len(cands) > n {
		k := n
		for k < len(cands) && cands[k].score == cands[n-1].score {
			k++
		}
		cands = cands[:k]
	}
	for i := range cands {
		id, err := s.r.ExternalID(index.IndexInternalID(cands[i].iid))
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		cands[i].id = id
	}
	slices.SortFunc(cands, func(a, b scored) int {
		if a.score != b.score {
			return cmpDesc(a.score, b.score)
		}
		return strings.Compare(a.id, b.id)
	})
	return cands[:min(n, len(cands))], nil
}

// load returns the stored documents of hits by key, from the snapshot.
func (s *searcher) load(hits []scored) (map[string]*stored, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	docs := make(map[string]*stored, len(hits))
	for _, h := range hits {
		d, err := s.r.Document(h.id)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if d == nil {
			continue
		}
		var raw []byte
		d.VisitFields(func(f index.Field) {
			if f.Name() == fDoc {
				raw = f.Value()
			}
		})
		if raw == nil {
			continue
		}
		var e stored
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("search: stored document of %s: %w", h.id, err)
		}
		docs[h.id] = &e
	}
	return docs, nil
}

func cmpDesc(a, b float64) int {
	if a > b {
		return -1
	}
	return 1
}

// shortest returns the length in runes of the entity's shortest name.
func (e *stored) shortest() int {
	n := runeLen(e.Name)
	if e.NameEn != "" {
		n = min(n, runeLen(e.NameEn))
	}
	for _, a := range e.Aliases {
		n = min(n, runeLen(a))
	}
	return n
}

// match is where a query matched an entity, found again in Go from the
// entity's stored texts.
type match struct {
	field, matched string
	highlights     []Highlight
	coverage       float64 // the share of the matched text the query covers
	pinyin         bool    // matched through pinyin
}

// candidate is one text of an entity that a query may have matched.
type candidate struct {
	field, text string
}

func (e *stored) candidates(names, en, aliases bool) []candidate {
	var cs []candidate
	if names {
		cs = append(cs, candidate{"name", e.Name})
	}
	if en && e.NameEn != "" {
		cs = append(cs, candidate{"nameEn", e.NameEn})
	}
	if aliases {
		for _, a := range e.Aliases {
			cs = append(cs, candidate{"alias", a})
		}
	}
	return cs
}

func marked(c candidate, cov float64, spans ...[2]int) match {
	m := match{field: c.field, matched: c.text, coverage: cov}
	for _, sp := range spans {
		m.highlights = append(m.highlights, Highlight{Text: c.text, Start: sp[0], End: sp[1]})
	}
	return m
}

// explain finds what the stage's bleve query matched in e: the best
// matching text (highest coverage, written before pinyin, then in the
// order name, English name, aliases) and the part of it that matched.
func (p *plan) explain(st stage, e *stored) match {
	x := p.folded.runes
	best := match{coverage: -1}
	consider := func(m match) {
		if m.coverage > best.coverage || (m.coverage == best.coverage && best.pinyin && !m.pinyin) {
			best = m
		}
	}
	pinyinClass := -1 // the worst pinyin class the stage accepts
	switch st.tier {
	case ExactName, ExactAlias:
		alias := st.tier == ExactAlias
		for _, c := range e.candidates(!alias, !alias, alias) {
			if f := fold(c.text); runesEqual(f.runes, x) {
				consider(marked(c, 1, [2]int{0, runeLen(c.text)}))
			}
		}
		pinyinClass = 0
	case Prefix:
		for _, c := range e.candidates(true, true, true) {
			f := fold(c.text)
			cov := float64(len(x)) / float64(len(f.runes))
			if f.hasPrefix(x) {
				a, b := f.span(0, len(x))
				consider(marked(c, cov, [2]int{a, b}))
			}
			if f.hasSuffix(x) {
				a, b := f.span(len(f.runes)-len(x), len(f.runes))
				consider(marked(c, cov, [2]int{a, b}))
			}
		}
		pinyinClass = 1
	case Inside:
		for _, c := range e.candidates(true, true, true) {
			f := fold(c.text)
			if !st.words {
				if i := f.index(x); i >= 0 {
					a, b := f.span(i, i+len(x))
					consider(marked(c, float64(len(x))/float64(len(f.runes)), [2]int{a, b}))
				}
				continue
			}
			if st.starts {
				if spans, n, ok := p.wordStartsIn(f); ok {
					consider(marked(c, float64(n)/float64(len(f.runes)), spans...))
				}
				continue
			}
			if spans, n, ok := f.allWords(p.words); ok {
				consider(marked(c, float64(n)/float64(len(f.runes)), spans...))
			}
		}
		pinyinClass = 2
	case Description:
		m := match{field: "description", matched: e.Name}
		f := fold(e.Description)
		var spans [][2]int
		if !st.words {
			if i := f.index(x); i >= 0 {
				a, b := f.span(i, i+len(x))
				spans = [][2]int{{a, b}}
			}
		} else {
			spans, _, _ = f.allWords(p.words)
		}
		for _, sp := range spans {
			t, a, b := excerpt(e.Description, sp[0], sp[1], 20)
			m.highlights = append(m.highlights, Highlight{Text: t, Start: a, End: b})
		}
		return m
	case Fuzzy:
		for _, c := range e.candidates(true, true, true) {
			f := fold(c.text)
			var spans [][2]int
			n := 0
			for _, w := range p.latin {
				sp, ok := nearWord(f, []rune(w), fuzziness(runeLen(w)))
				if !ok {
					spans = nil
					break
				}
				spans = append(spans, sp)
				n += sp[1] - sp[0]
			}
			if spans != nil {
				consider(marked(c, float64(n)/float64(len(f.runes)), spans...))
			}
		}
		for _, c := range e.candidates(true, false, true) {
			for _, sp := range p.homo {
				if pm, ok := matchPinyin(c.text, []pyPiece{{latin: sp}}); ok {
					m := marked(c, pm.coverage, [2]int{pm.start, pm.end})
					m.field, m.pinyin = "pinyin", true
					m.coverage += float64(2 - pm.class) // the whole name, then its start or end, then inside
					consider(m)
				}
			}
		}
	}
	if pinyinClass >= 0 && len(p.py) > 0 {
		alias := st.tier == ExactAlias
		for _, c := range e.candidates(!alias, false, st.tier != ExactName) {
			if pm, ok := matchPinyin(c.text, p.pieces); ok && pm.class <= pinyinClass {
				m := marked(c, pm.coverage, [2]int{pm.start, pm.end})
				m.field, m.pinyin = "pinyin", true
				consider(m)
			}
		}
	}
	if best.coverage < 0 {
		// Bleve's analyzer and fold disagree on this text; say what
		// matched without marking it.
		return match{field: "name", matched: e.Name}
	}
	return best
}

// allWords finds each of words in f and returns their spans in the
// original text and their total length, or false if one is missing.
func (f folded) allWords(words [][]rune) ([][2]int, int, bool) {
	var spans [][2]int
	n := 0
	for _, w := range words {
		i := f.index(w)
		if i < 0 {
			return nil, 0, false
		}
		a, b := f.span(i, i+len(w))
		spans = append(spans, [2]int{a, b})
		n += len(w)
	}
	return spans, n, true
}

// wordStartsIn finds, for each Latin word of the query, a word of f that
// it starts, or whose stem its stem starts (see wordStarts), and returns
// the spans marked in the original text (the part the query's word or
// its stem spells) and their total length, or false if one is missing.
func (p *plan) wordStartsIn(f folded) ([][2]int, int, bool) {
	type word struct {
		i, j int
		stem string
	}
	var ws []word
	for i := 0; i < len(f.runes); {
		if !isWordRune(f.runes[i]) {
			i++
			continue
		}
		j := i
		for j < len(f.runes) && isWordRune(f.runes[j]) {
			j++
		}
		ws = append(ws, word{i, j, ""})
		i = j
	}
	var spans [][2]int
	n := 0
	for _, q := range p.latin {
		qr := []rune(q)
		qs := []rune(p.stem(q))
		found := false
		for k := range ws {
			w := &ws[k]
			text := f.runes[w.i:w.j]
			m := 0
			switch {
			case len(qr) < minStart:
				if runesEqual(text, qr) {
					m = len(qr)
				}
			case len(qr) <= len(text) && runesEqual(text[:len(qr)], qr):
				m = len(qr)
			default:
				if w.stem == "" {
					w.stem = p.stem(string(text))
				}
				if strings.HasPrefix(w.stem, string(qs)) {
					m = min(len(qs), len(text))
				}
			}
			if m > 0 {
				a, b := f.span(w.i, w.i+m)
				spans = append(spans, [2]int{a, b})
				n += m
				found = true
				break
			}
		}
		if !found {
			return nil, 0, false
		}
	}
	return spans, n, true
}

// nearWord finds a word of f within maxEdits edits of w, the nearest first.
func nearWord(f folded, w []rune, maxEdits int) ([2]int, bool) {
	best, bestD := [2]int{}, maxEdits+1
	start := 0
	for i := 0; i <= len(f.runes); i++ {
		if i < len(f.runes) && isWordRune(f.runes[i]) {
			continue
		}
		if i > start {
			if d := editDistance(f.runes[start:i], w); d < bestD {
				a, b := f.span(start, i)
				best, bestD = [2]int{a, b}, d
			}
		}
		start = i + 1
	}
	return best, bestD <= maxEdits
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
