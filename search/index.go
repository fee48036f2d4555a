package search

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	"tupu"
)

// schema names the layout of the index: the mapping below and the terms
// doc computes. Change it whenever either changes; an index written with
// another schema reports Version 0, so its owner rebuilds it.
const schema = "tupu-search-8"

// Keys of the values stored beside the documents with SetInternal.
var (
	keySchema  = []byte("tupu.schema")
	keyVersion = []byte("tupu.version")
)

// batchSize is how many entities one bleve batch indexes.
const batchSize = 1000

// The indexed fields.
const (
	fNames   = "names"   // name, English name and aliases, analyzed (CJK unigrams and bigrams, Latin words, the last of each name also marked as its end)
	fDesc    = "desc"    // the description, analyzed alike
	fXName   = "xname"   // the name and English name, folded whole (exact and prefix)
	fXAlias  = "xalias"  // the aliases, folded whole
	fPyName  = "pyname"  // pinyin of the name if Chinese, whole, in full and by initials
	fPyAlias = "pyalias" // the same of the Chinese aliases
	fPyInner = "pyin"    // the same of all Chinese names from every later syllable on
	fStem    = "stem"    // the Latin words of all names, stemmed (English snowball)
	fKind    = "kind"    // the kind, as is
	fDoc     = "doc"     // the entity's searchable fields as JSON, stored only
	textAna  = "tupu_text"
	namesAna = "tupu_names"
	stemAna  = "tupu_stem"
	bigramTF = "tupu_cjk_bigram"
)

// Index is a full-text index of the entities of a graph, kept in a
// directory of its own. It is safe for concurrent use; writes (Rebuild,
// Update) run one at a time, searches run beside them.
type Index struct {
	dir string

	wmu sync.Mutex   // serializes Rebuild and Update
	mu  sync.RWMutex // guards bi, which Rebuild replaces
	bi  bleve.Index  // nil once closed
}

// ErrClosed is returned by an Index used after Close.
var ErrClosed = errors.New("search: index is closed")

// Open opens or creates the index in dir. A directory left behind by an
// interrupted Rebuild is cleaned up; the index is then the one from
// before the Rebuild, or a new empty one (Version 0).
func Open(dir string) (*Index, error) {
	if err := os.RemoveAll(dir + ".new"); err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(dir + ".old"); err == nil {
			if err := os.Rename(dir+".old", dir); err != nil {
				return nil, err
			}
		}
	}
	if err := os.RemoveAll(dir + ".old"); err != nil {
		return nil, err
	}
	bi, err := openOrCreate(dir)
	if err != nil {
		return nil, err
	}
	return &Index{dir: dir, bi: bi}, nil
}

func openOrCreate(dir string) (bleve.Index, error) {
	bi, err := bleve.Open(dir)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		return create(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	}
	return bi, nil
}

func create(dir string) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	bi, err := bleve.New(dir, m)
	if err != nil {
		return nil, fmt.Errorf("search: create %s: %w", dir, err)
	}
	if err := bi.SetInternal(keySchema, []byte(schema)); err != nil {
		bi.Close()
		return nil, err
	}
	return bi, nil
}

// foldFilterName names foldFilter in bleve's registry: the analyzer of
// names and descriptions folds text as fold does (script, width, case,
// diacritics) before its tokenizer, for documents and queries alike.
const foldFilterName = "tupu_fold"

// endFilterName names endFilter in bleve's registry.
const endFilterName = "tupu_end"

func init() {
	err := registry.RegisterCharFilter(foldFilterName, func(map[string]any, *registry.Cache) (analysis.CharFilter, error) {
		return foldFilter{}, nil
	})
	if err == nil {
		err = registry.RegisterTokenFilter(endFilterName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			return endFilter{}, nil
		})
	}
	if err != nil {
		panic(err)
	}
}

// endSuffix makes a term the same term at the end of a name: the
// private-use character cannot come from text, which the tokenizer
// splits there.
const endSuffix = "\uE000"

// endFilter adds, at the last position of a name, each term there with
// endSuffix (valley: also valley\uE000; 谷: also 谷\uE000): a phrase
// query whose last term carries the suffix finds the names that end
// with it, in posting lists as short as the names that end so.
type endFilter struct{}

func (endFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	last := 0
	for _, t := range in {
		last = max(last, t.Position)
	}
	for _, t := range in {
		if t.Position == last {
			end := *t
			end.Term = append(append([]byte(nil), t.Term...), endSuffix...)
			in = append(in, &end)
		}
	}
	return in
}

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenFilter(bigramTF, map[string]any{
		"type":           cjk.BigramName,
		"output_unigram": true,
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(textAna, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{foldFilterName},
		"tokenizer":     unicode.Name,
		"token_filters": []any{bigramTF},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(namesAna, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{foldFilterName},
		"tokenizer":     unicode.Name,
		"token_filters": []any{bigramTF, endFilterName},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(stemAna, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{foldFilterName},
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.SnowballStemmerName},
	}); err != nil {
		return nil, err
	}
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = textAna
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = true // phrase queries need positions
		f.DocValues = false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	names := text()
	names.Analyzer = namesAna
	dm.AddFieldMappingsAt(fNames, names)
	dm.AddFieldMappingsAt(fDesc, text())
	for _, f := range []string{fXName, fXAlias, fPyName, fPyAlias, fPyInner, fKind} {
		dm.AddFieldMappingsAt(f, kw())
	}
	stems := text()
	stems.Analyzer = stemAna
	stems.IncludeTermVectors = false // matched word by word, never as a phrase
	dm.AddFieldMappingsAt(fStem, stems)
	stored := bleve.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeInAll = false
	stored.IncludeTermVectors = false
	stored.DocValues = false
	dm.AddFieldMappingsAt(fDoc, stored)
	// No field goes into bleve's composite _all field, so leave it out
	// altogether: indexing an empty _all still costs a tenth of Rebuild.
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())

	im.DefaultMapping = dm
	im.DefaultAnalyzer = textAna
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}

// stored is what the index keeps of an entity to describe its hits.
type stored struct {
	Kind        tupu.Kind `json:"k"`
	Name        string    `json:"n"`
	NameEn      string    `json:"e,omitempty"`
	Aliases     []string  `json:"a,omitempty"`
	Description string    `json:"d,omitempty"`
}

// doc returns what the index holds for e.
func doc(e *tupu.Entity) (map[string]any, error) {
	raw, err := json.Marshal(stored{e.Kind, e.Name, e.NameEn, e.Aliases, e.Description})
	if err != nil {
		return nil, err
	}
	var xname, xalias, latin []string
	for _, n := range []string{e.Name, e.NameEn} {
		if f := fold(n).String(); f != "" {
			xname = append(xname, f)
		}
	}
	for _, a := range e.Aliases {
		if f := fold(a).String(); f != "" {
			xalias = append(xalias, f)
		}
	}
	for _, n := range e.Names() {
		latin = append(latin, fold(n).latinWords()...)
	}
	pyName, inner := pinyinTerms([]string{e.Name})
	pyAlias, innerAlias := pinyinTerms(e.Aliases)
	return map[string]any{
		fNames:   e.Names(),
		fDesc:    e.Description,
		fXName:   xname,
		fXAlias:  xalias,
		fPyName:  pyName,
		fPyAlias: pyAlias,
		fPyInner: append(inner, innerAlias...),
		fStem:    strings.Join(latin, " "),
		fKind:    string(e.Kind),
		fDoc:     string(raw),
	}, nil
}

// Close closes the index. Later calls fail with ErrClosed.
func (ix *Index) Close() error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi == nil {
		return nil
	}
	err := ix.bi.Close()
	ix.bi = nil
	return err
}

// index returns the open bleve index and a func to release it.
func (ix *Index) index() (bleve.Index, func(), error) {
	ix.mu.RLock()
	if ix.bi == nil {
		ix.mu.RUnlock()
		return nil, nil, ErrClosed
	}
	return ix.bi, ix.mu.RUnlock, nil
}

// Version returns the graph version the index was last brought up to
// (stored inside the index with SetInternal), or 0 if the index is new or
// was written with another schema of this package. The caller compares it
// with the graph's version and rebuilds when they differ.
func (ix *Index) Version() (uint64, error) {
	bi, release, err := ix.index()
	if err != nil {
		return 0, err
	}
	defer release()
	return version(bi)
}

// Documents returns how many entities the index holds.
func (ix *Index) Documents() (uint64, error) {
	bi, release, err := ix.index()
	if err != nil {
		return 0, err
	}
	defer release()
	return bi.DocCount()
}

func version(bi bleve.Index) (uint64, error) {
	s, err := bi.GetInternal(keySchema)
	if err != nil {
		return 0, err
	}
	if string(s) != schema {
		return 0, nil
	}
	v, err := bi.GetInternal(keyVersion)
	if err != nil || len(v) != 8 {
		return 0, err
	}
	return binary.BigEndian.Uint64(v), nil
}

func encodeVersion(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// Rebuild replaces the whole index with the given entities and records
// version. It writes a new index beside the old one in batches and swaps
// it in when complete, so searches keep answering from the old index
// meanwhile, and a failed or interrupted Rebuild leaves the old index and
// its version in place. When ctx ends, Rebuild stops and returns its error.
func (ix *Index) Rebuild(ctx context.Context, entities iter.Seq[*tupu.Entity], version uint64) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if _, release, err := ix.index(); err != nil {
		return err
	} else {
		release()
	}

	tmp := ix.dir + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	nbi, err := create(tmp)
	if err != nil {
		return err
	}
	if err := fill(ctx, nbi, entities, version); err != nil {
		nbi.Close()
		os.RemoveAll(tmp)
		return err
	}
	if err := nbi.Close(); err != nil {
		os.RemoveAll(tmp)
		return err
	}

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.bi.Close(); err != nil {
		return err
	}
	ix.bi = nil
	old := ix.dir + ".old"
	err = os.Rename(ix.dir, old)
	if err == nil {
		if err = os.Rename(tmp, ix.dir); err != nil {
			os.Rename(old, ix.dir) // put the old index back
		}
	}
	os.RemoveAll(old)
	os.RemoveAll(tmp)
	// Reopen whatever is in place: the new index, or after a failed swap
	// the old one (whose version makes the owner rebuild again).
	bi, oerr := openOrCreate(ix.dir)
	if oerr != nil {
		return errors.Join(err, oerr)
	}
	ix.bi = bi
	return err
}

// fill indexes entities into bi, a new index, and records version. The
// documents are made (pinyin and folding) in a goroutine of their own
// while bleve indexes the previous batch.
func fill(ctx context.Context, bi bleve.Index, entities iter.Seq[*tupu.Entity], version uint64) error {
	type made struct {
		key string
		doc map[string]any
		err error
	}
	docs := make(chan []made, 2)
	done := make(chan struct{})
	defer func() {
		// Stop the goroutine and wait for it: entities may read a
		// transaction that ends when Rebuild returns.
		close(done)
		for range docs {
		}
	}()
	go func() {
		defer close(docs)
		chunk := make([]made, 0, 500)
		send := func() bool {
			select {
			case docs <- chunk:
				chunk = make([]made, 0, 500)
				return true
			case <-done:
				return false
			}
		}
		for e := range entities {
			d, err := doc(e)
			chunk = append(chunk, made{e.Key, d, err})
			if (len(chunk) == cap(chunk) || err != nil) && !send() {
				return
			}
		}
		if len(chunk) > 0 {
			send()
		}
	}()
	b := bi.NewBatch()
	for chunk := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, m := range chunk {
			if m.err != nil {
				return m.err
			}
			if err := b.Index(m.key, m.doc); err != nil {
				return fmt.Errorf("search: index %s: %w", m.key, err)
			}
			if b.Size() >= batchSize {
				if err := bi.Batch(b); err != nil {
					return err
				}
				b.Reset()
			}
		}
	}
	if err := bi.Batch(b); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return compact(bi, version)
}

// compact merges the segments of bi, a new index, one per batch or merge,
// into one: a search then looks each term up once, not once per segment.
// It records version last, in a batch of its own, which also waits for
// the merged index to be written.
func compact(bi bleve.Index, version uint64) error {
	adv, err := bi.Advanced()
	if err != nil {
		return err
	}
	if sc, ok := adv.(*scorch.Scorch); ok {
		opts := mergeplan.SingleSegmentMergePlanOptions
		if err := sc.ForceMerge(context.Background(), &opts); err != nil {
			return fmt.Errorf("search: merging the index: %w", err)
		}
	}
	// Scorch keeps the snapshot before the newest and removes the files
	// of older ones when idle: two batches after the merge let it remove
	// the segments merged away, as large as the index. Give it a moment
	// to, or else it does when the index is next open.
	for range 2 {
		b := bi.NewBatch()
		b.SetInternal(keyVersion, encodeVersion(version))
		if err := bi.Batch(b); err != nil {
			return err
		}
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		st, _ := bi.StatsMap()["index"].(map[string]any)
		files, _ := st["num_files_on_disk"].(uint64)
		segs, _ := st["TotFileSegmentsAtRoot"].(uint64)
		if files <= segs+1 { // and root.bolt
			break
		}
	}
	return nil
}

// Update indexes the changed entities (new or modified) and removes the
// deleted keys, then records version, all in one batch: a search sees
// either none or all of it, and the recorded version never runs ahead of
// the entities.
func (ix *Index) Update(changed []*tupu.Entity, deleted []string, version uint64) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	bi, release, err := ix.index()
	if err != nil {
		return err
	}
	defer release()
	b := bi.NewBatch()
	for _, e := range changed {
		d, err := doc(e)
		if err != nil {
			return err
		}
		if err := b.Index(e.Key, d); err != nil {
			return fmt.Errorf("search: index %s: %w", e.Key, err)
		}
	}
	for _, k := range deleted {
		b.Delete(k)
	}
	b.SetInternal(keyVersion, encodeVersion(version))
	return bi.Batch(b)
}
