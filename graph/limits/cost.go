package limits

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
)

// Stats measure an operation; see the package comment for what each counts.
type Stats struct {
	Cost                 int `json:"cost"`
	Depth                int `json:"depth"`
	Aliases              int `json:"aliases"`
	Directives           int `json:"directives"`
	IntrospectionNesting int `json:"introspectionNesting"`
	// Steps counts the selections the walk visited: at most twice the
	// selections written in the document, however often fragments are
	// spread. It is there to show (and test) that the walk is linear.
	Steps int `json:"steps"`
}

// ErrFragmentCycle is returned by Cost for a document whose fragments
// spread one another in a cycle.
var ErrFragmentCycle = errors.New("fragments spread each other in a cycle")

// Cost measures operation op of doc with the given variable values (as in
// graphql.OperationContext.Variables; nil is fine) under the page sizes and
// list costs of cfg. It does not check the limits (see Config.Check). The
// document should have passed validation, so that fields know their
// definitions; without them, a field counts as a connection only if it is
// given first or last. It returns an error only for a malformed document:
// a fragment cycle (ErrFragmentCycle) or an unknown fragment.
func Cost(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any, cfg Config) (Stats, error) {
	if op == nil {
		return Stats{}, errors.New("no operation")
	}
	w := &walker{
		cfg:  cfg.withDefaults(),
		vars: vars,
		op:   op,
		memo: map[fragKey]measure{},
	}
	if doc != nil {
		w.frags = make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
		for _, f := range doc.Fragments {
			if _, dup := w.frags[f.Name]; !dup {
				w.frags[f.Name] = f
			}
		}
	}
	m := w.selectionSet(op.SelectionSet, false)
	m.directives = satAdd(m.directives, len(op.Directives))
	for _, v := range op.VariableDefinitions {
		m.directives = satAdd(m.directives, len(v.Directives))
	}
	s := Stats{
		Cost:                 m.cost,
		Depth:                m.depth,
		Aliases:              m.aliases,
		Directives:           m.directives,
		IntrospectionNesting: m.introNesting,
		Steps:                w.steps,
	}
	return s, w.err
}

// measure is what the walk computes for a selection set, relative to it.
type measure struct {
	cost, depth, aliases, directives, introNesting int
}

func (m *measure) add(o measure) {
	m.cost = satAdd(m.cost, o.cost)
	m.depth = max(m.depth, o.depth)
	m.aliases = satAdd(m.aliases, o.aliases)
	m.directives = satAdd(m.directives, o.directives)
	m.introNesting = max(m.introNesting, o.introNesting)
}

// fragKey names a fragment's measure: a fragment measures differently
// inside introspection (no multipliers, no depth) and outside.
type fragKey struct {
	name  string
	intro bool
}

type walker struct {
	cfg      Config
	vars     map[string]any
	op       *ast.OperationDefinition
	frags    map[string]*ast.FragmentDefinition
	memo     map[fragKey]measure
	visiting map[fragKey]bool
	steps    int
	err      error
}

func (w *walker) selectionSet(set ast.SelectionSet, intro bool) measure {
	var m measure
	for _, sel := range set {
		w.steps++
		switch sel := sel.(type) {
		case *ast.Field:
			m.add(w.field(sel, intro))
		case *ast.InlineFragment:
			s := w.selectionSet(sel.SelectionSet, intro)
			s.directives = satAdd(s.directives, len(sel.Directives))
			m.add(s)
		case *ast.FragmentSpread:
			s := w.spread(sel.Name, intro)
			s.directives = satAdd(s.directives, len(sel.Directives))
			m.add(s)
		}
	}
	return m
}

// spread returns the measure of fragment name, computing it once.
func (w *walker) spread(name string, intro bool) measure {
	k := fragKey{name, intro}
	if m, ok := w.memo[k]; ok {
		return m
	}
	def := w.frags[name]
	if def == nil {
		w.fail(fmt.Errorf("unknown fragment %q", name))
		return measure{}
	}
	if w.visiting[k] {
		w.fail(ErrFragmentCycle)
		return measure{}
	}
	if w.visiting == nil {
		w.visiting = map[fragKey]bool{}
	}
	w.visiting[k] = true
	m := w.selectionSet(def.SelectionSet, intro)
	delete(w.visiting, k)
	m.directives = satAdd(m.directives, len(def.Directives))
	w.memo[k] = m
	return m
}

func (w *walker) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// introspectionLists are the fields whose nesting MaxIntrospectionNesting
// bounds, as graphql-js's MaxIntrospectionDepthRule does.
var introspectionLists = map[string]bool{
	"fields": true, "interfaces": true, "possibleTypes": true, "inputFields": true,
}

func (w *walker) field(f *ast.Field, intro bool) measure {
	entry := !intro && (f.Name == "__schema" || f.Name == "__type")
	sub := w.selectionSet(f.SelectionSet, intro || entry)
	m := measure{
		aliases:      sub.aliases,
		directives:   satAdd(sub.directives, len(f.Directives)),
		introNesting: sub.introNesting,
	}
	if f.Alias != "" && f.Alias != f.Name {
		m.aliases = satAdd(m.aliases, 1)
	}
	switch {
	case intro:
		// Below __schema/__type: 1 a field, no depth, lists nest-counted.
		m.cost = satAdd(1, sub.cost)
		if introspectionLists[f.Name] {
			m.introNesting = satAdd(m.introNesting, 1)
		}
	case entry:
		m.cost = satAdd(1, sub.cost)
		m.depth = 1
	default:
		m.cost = satAdd(1, satMul(w.multiplier(f), sub.cost))
		m.depth = satAdd(1, sub.depth)
	}
	return m
}

// multiplier is how many times f's sub-selection is produced, at most.
func (w *walker) multiplier(f *ast.Field) int {
	if w.takes(f, "first") || w.takes(f, "last") {
		first, okF := w.intArg(f.Arguments.ForName("first"))
		last, okL := w.intArg(f.Arguments.ForName("last"))
		if !okF && !okL {
			return w.pageSize(w.cfg.DefaultPageSize)
		}
		n := 0
		if okF {
			n = w.pageSize(first)
		}
		if okL {
			n = max(n, w.pageSize(last))
		}
		return n
	}
	if w.takes(f, "ids") {
		if n, ok := w.listLen(f.Arguments.ForName("ids")); ok {
			return w.pageSize(n)
		}
	}
	if len(w.cfg.ListCosts) > 0 && f.ObjectDefinition != nil {
		if n, ok := w.cfg.ListCosts[f.ObjectDefinition.Name+"."+f.Name]; ok {
			return max(n, 1)
		}
		for _, iface := range f.ObjectDefinition.Interfaces {
			if n, ok := w.cfg.ListCosts[iface+"."+f.Name]; ok {
				return max(n, 1)
			}
		}
	}
	return 1
}

// pageSize turns a requested page size into a multiplier: what the
// resolver refuses counts as the largest page, and an empty page as 1 (the
// connection's own fields, such as totalCount, are still produced).
func (w *walker) pageSize(n int) int {
	if n < 0 || n > w.cfg.MaxPageSize {
		return w.cfg.MaxPageSize
	}
	return max(n, 1)
}

// takes reports whether f has (or, if not validated, is given) argument name.
func (w *walker) takes(f *ast.Field, name string) bool {
	if f.Definition != nil {
		return f.Definition.Arguments.ForName(name) != nil
	}
	return f.Arguments.ForName(name) != nil
}

// value returns the value of a, resolving a variable; nil if absent or null.
// A variable with no value takes its definition's default.
func (w *walker) value(a *ast.Argument) (lit *ast.Value, goValue any, ok bool) {
	if a == nil || a.Value == nil {
		return nil, nil, false
	}
	v := a.Value
	if v.Kind != ast.Variable {
		if v.Kind == ast.NullValue {
			return nil, nil, false
		}
		return v, nil, true
	}
	if x, found := w.vars[v.Raw]; found {
		if x == nil {
			return nil, nil, false
		}
		return nil, x, true
	}
	if def := w.op.VariableDefinitions.ForName(v.Raw); def != nil && def.DefaultValue != nil &&
		def.DefaultValue.Kind != ast.NullValue && def.DefaultValue.Kind != ast.Variable {
		return def.DefaultValue, nil, true
	}
	return nil, nil, false
}

// intArg returns the integer value of a and whether one was given. A value
// that is not a representable integer counts as -1, which pageSize treats
// as a refused page.
func (w *walker) intArg(a *ast.Argument) (int, bool) {
	lit, x, ok := w.value(a)
	if !ok {
		return 0, false
	}
	if lit != nil {
		if lit.Kind != ast.IntValue {
			return -1, true
		}
		n, err := strconv.ParseInt(lit.Raw, 10, 64)
		if err != nil || n > math.MaxInt || n < math.MinInt {
			return -1, true
		}
		return int(n), true
	}
	return goInt(x), true
}

func goInt(x any) int {
	switch n := x.(type) {
	case int:
		return n
	case int8:
		return int(n)
	case int16:
		return int(n)
	case int32:
		return int(n)
	case int64:
		if n > math.MaxInt || n < math.MinInt {
			return -1
		}
		return int(n)
	case uint8:
		return int(n)
	case uint16:
		return int(n)
	case uint32:
		if uint64(n) > math.MaxInt {
			return -1
		}
		return int(n)
	case uint:
		if n > math.MaxInt {
			return -1
		}
		return int(n)
	case uint64:
		if n > math.MaxInt {
			return -1
		}
		return int(n)
	case float64:
		if n != math.Trunc(n) || n > math.MaxInt32 || n < math.MinInt32 {
			return -1
		}
		return int(n)
	case float32:
		return goInt(float64(n))
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			return -1
		}
		return goInt(i)
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return -1
		}
		return goInt(i)
	}
	return -1
}

// listLen returns the length of list argument a (a single value is a list
// of one, as input coercion makes it).
func (w *walker) listLen(a *ast.Argument) (int, bool) {
	lit, x, ok := w.value(a)
	if !ok {
		return 0, false
	}
	if lit != nil {
		if lit.Kind == ast.ListValue {
			return len(lit.Children), true
		}
		return 1, true
	}
	switch l := x.(type) {
	case []any:
		return len(l), true
	case []string:
		return len(l), true
	}
	return 1, true
}

func satAdd(a, b int) int {
	if b > 0 && a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// satMul multiplies non-negative a and b, saturating at math.MaxInt.
func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}
