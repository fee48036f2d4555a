package limits

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Stats measure an operation; see the package comment for what each counts.
type Stats struct {
	// Cost is the estimate: the most objects the operation can return.
	Cost                 int `json:"cost"`
	Depth                int `json:"depth"`
	Aliases              int `json:"aliases"`
	Directives           int `json:"directives"`
	IntrospectionNesting int `json:"introspectionNesting"`
	// Steps counts the selections the walk visited: each selection written
	// in the document at most twice (inside and outside introspection) per
	// entity kind a fragment is spread on. It is there to show (and test)
	// that the walk is linear.
	Steps int `json:"steps"`
	// Widest is the field that multiplies the objects most, as a response
	// path (aliases as written, "entity.parks.nodes.companies"), and
	// WidestBy how many values it may give each object above it. When
	// several multiply as much, the first in the document is named.
	Widest   string `json:"widest,omitempty"`
	WidestBy int    `json:"widestBy,omitempty"`
	// Objects counts the objects the executor resolved for the response,
	// once it has run (see Extension); zero before.
	Objects int `json:"objects"`
}

// ErrFragmentCycle is returned by Cost for a document whose fragments
// spread one another in a cycle.
var ErrFragmentCycle = errors.New("fragments spread each other in a cycle")

// Cost measures operation op of doc with the given variable values (as in
// graphql.OperationContext.Variables; nil is fine) under the page sizes
// and the Graph of cfg. It does not check the limits (see Config.Check).
// The document should have passed validation, so that fields know their
// definitions; without them, a field counts as a connection only if it is
// given first or last. It returns an error only for a malformed document:
// a fragment cycle (ErrFragmentCycle) or an unknown fragment.
func Cost(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any, cfg Config) (Stats, error) {
	if op == nil {
		return Stats{}, errors.New("no operation")
	}
	cfg = cfg.withDefaults()
	w := &walker{
		cfg:   cfg,
		graph: cfg.Graph,
		vars:  vars,
		op:    op,
		memo:  map[fragKey]measure{},
	}
	if doc != nil {
		w.frags = make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
		for _, f := range doc.Fragments {
			if _, dup := w.frags[f.Name]; !dup {
				w.frags[f.Name] = f
			}
		}
	}
	root := ""
	if def := rootType(op); def != "" {
		root = def
	}
	m := w.selectionSet(op.SelectionSet, root, Scope{}, false)
	m.directives = satAdd(m.directives, len(op.Directives))
	for _, v := range op.VariableDefinitions {
		m.directives = satAdd(m.directives, len(v.Directives))
	}
	s := Stats{
		Cost:                 m.at(0),
		Depth:                m.depth,
		Aliases:              m.aliases,
		Directives:           m.directives,
		IntrospectionNesting: m.introNesting,
		Steps:                w.steps,
		Widest:               w.widest,
		WidestBy:             w.widestBy,
	}
	return s, w.err
}

// rootType names the type an operation's selection is on, by GraphQL's
// defaults; "" when the operation kind is unknown.
func rootType(op *ast.OperationDefinition) string {
	switch op.Operation {
	case ast.Query, "":
		return "Query"
	case ast.Mutation:
		return "Mutation"
	case ast.Subscription:
		return "Subscription"
	}
	return ""
}

// Scope is what the walk knows about the objects a selection set is on.
type Scope struct {
	// Kind is the kind of entity the objects are, or lead to (a
	// connection of entities, an edge): "" when unknown or several.
	Kind string
	// Items is the most items the lists of the objects hold: the page of
	// a connection, the entities of a neighbourhood. Zero when the
	// objects hold no such list.
	Items int
}

// Bound says how many values a field gives one object of its scope.
type Bound struct {
	// N is the most values: 1 for a single value, a list's most
	// elements. When PerItem is set, the field gives N values per item of
	// its scope (Scope.Items): the nodes of a connection are 1 per item.
	N       int
	PerItem bool
	// Child is the scope of the values' selection.
	Child Scope
}

// A Graph bounds what the fields of a schema can give, from what it knows
// about the data. The walk asks it about every field with a selection
// (every field whose values are objects), outside introspection.
type Graph interface {
	// Bound bounds field f on one object of scope s.
	Bound(s Scope, f Field) Bound
	// Kind returns the entity kind every object of the named type is, or
	// "" when the type is not one kind's (an interface, a connection).
	Kind(typeName string) string
}

// Pages is the Graph of a schema whose lists are known only by the
// arguments that page them; it is also the rule a Graph falls back on.
// Relay's conventions carry the kind of a connection's entities down to
// them: the `nodes` and `edges` of a type named *Connection hold one value
// per item of its page, and the `node` of an *Edge type is that item.
type Pages struct{}

// Bound implements Graph.
func (Pages) Bound(s Scope, f Field) Bound {
	switch {
	case f.Paged() && f.List():
		return Bound{N: f.Page()}
	case f.Paged():
		return Bound{N: 1, Child: Scope{Kind: s.Kind, Items: f.Page()}}
	case f.Takes("ids"):
		n, _ := f.Len("ids")
		return Bound{N: f.clamp(n)}
	case f.Takes("representations"):
		// Federation's Query._entities: one value per representation, as
		// many as a router sends (the ids of nodes are a page, these not).
		n, _ := f.Len("representations")
		return Bound{N: n}
	case strings.HasSuffix(f.Object(), "Connection") && (f.Name() == "nodes" || f.Name() == "edges"):
		return Bound{N: 1, PerItem: true, Child: Scope{Kind: s.Kind}}
	case strings.HasSuffix(f.Object(), "Edge") && f.Name() == "node":
		return Bound{N: 1, Child: Scope{Kind: s.Kind}}
	case f.f.Definition == nil && s.Items > 0:
		// Not validated: any field of a connection may be its items.
		return Bound{N: 1, PerItem: true, Child: Scope{Kind: s.Kind}}
	case f.List():
		// A list nothing bounds: count it as the largest page.
		return Bound{N: f.w.cfg.MaxPageSize}
	}
	return Bound{N: 1}
}

// Kind implements Graph: Pages knows no kinds.
func (Pages) Kind(string) string { return "" }

// Field is a field of the operation as the walk meets it, with the values
// of its arguments (variables resolved).
type Field struct {
	f *ast.Field
	w *walker
}

// Object returns the name of the type the field is selected on.
func (f Field) Object() string {
	if f.f.ObjectDefinition != nil {
		return f.f.ObjectDefinition.Name
	}
	return ""
}

// Implements reports whether the type the field is selected on is
// interface iface or implements it.
func (f Field) Implements(iface string) bool {
	if f.f.ObjectDefinition == nil {
		return false
	}
	if f.f.ObjectDefinition.Name == iface {
		return true
	}
	for _, i := range f.f.ObjectDefinition.Interfaces {
		if i == iface {
			return true
		}
	}
	return false
}

// Name returns the field's name.
func (f Field) Name() string { return f.f.Name }

// Type returns the name of the field's type, without list and non-null.
func (f Field) Type() string {
	if f.f.Definition != nil {
		return f.f.Definition.Type.Name()
	}
	return ""
}

// List reports whether the field's values are a list.
func (f Field) List() bool {
	return f.f.Definition != nil && f.f.Definition.Type.Elem != nil
}

// Takes reports whether the field has (or, if not validated, is given)
// argument name.
func (f Field) Takes(name string) bool {
	if f.f.Definition != nil {
		return f.f.Definition.Arguments.ForName(name) != nil
	}
	return f.f.Arguments.ForName(name) != nil
}

// Paged reports whether the field takes first or last.
func (f Field) Paged() bool { return f.Takes("first") || f.Takes("last") }

// Page returns how many items the field's page may hold: first or last,
// the larger when both are given, the schema's default or else
// DefaultPageSize when neither is, and MaxPageSize for a value the
// resolvers refuse (negative, or over it).
func (f Field) Page() int {
	first, okF := f.Int("first")
	last, okL := f.Int("last")
	if !okF && !okL {
		return f.w.cfg.DefaultPageSize
	}
	n := 0
	if okF {
		n = f.clamp(first)
	}
	if okL {
		n = max(n, f.clamp(last))
	}
	return n
}

// defaultInt returns the schema's default of integer argument name, or -1.
func (f Field) defaultInt(name string) int {
	if f.f.Definition == nil {
		return -1
	}
	a := f.f.Definition.Arguments.ForName(name)
	if a == nil || a.DefaultValue == nil || a.DefaultValue.Kind != ast.IntValue {
		return -1
	}
	n, err := strconv.Atoi(a.DefaultValue.Raw)
	if err != nil {
		return -1
	}
	return n
}

// clamp turns a requested page size into one the resolvers serve: what
// they refuse counts as the largest page.
func (f Field) clamp(n int) int {
	if n < 0 || n > f.w.cfg.MaxPageSize {
		return f.w.cfg.MaxPageSize
	}
	return n
}

// Int returns the value of integer argument name, or its default in the
// schema when it is given none (absent, or a variable without a value),
// and whether there is one. A value that is not a representable integer
// is -1.
func (f Field) Int(name string) (int, bool) {
	if n, ok := f.w.intArg(f.f.Arguments.ForName(name)); ok {
		return n, true
	}
	if def := f.defaultInt(name); def >= 0 {
		return def, true
	}
	return 0, false
}

// String returns the value of string or enum argument name.
func (f Field) String(name string) (string, bool) {
	lit, x, ok := f.w.value(f.f.Arguments.ForName(name))
	if !ok {
		return "", false
	}
	if lit != nil {
		if lit.Kind == ast.StringValue || lit.Kind == ast.EnumValue || lit.Kind == ast.BlockValue {
			return lit.Raw, true
		}
		return "", false
	}
	s, ok := x.(string)
	return s, ok
}

// Strings returns the values of list argument name, of strings or enum
// values (a single value is a list of one, as input coercion makes it).
// ok is false when the argument is absent, null or not such a list.
func (f Field) Strings(name string) ([]string, bool) {
	lit, x, ok := f.w.value(f.f.Arguments.ForName(name))
	if !ok {
		return nil, false
	}
	if lit != nil {
		items := []*ast.Value{lit}
		if lit.Kind == ast.ListValue {
			items = nil
			for _, c := range lit.Children {
				items = append(items, c.Value)
			}
		}
		out := make([]string, 0, len(items))
		for _, v := range items {
			if v.Kind != ast.StringValue && v.Kind != ast.EnumValue {
				return nil, false
			}
			out = append(out, v.Raw)
		}
		return out, true
	}
	switch l := x.(type) {
	case string:
		return []string{l}, true
	case []string:
		return l, true
	case []any:
		out := make([]string, 0, len(l))
		for _, v := range l {
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// Len returns the length of list argument name (a single value is a list
// of one, as input coercion makes it).
func (f Field) Len(name string) (int, bool) { return f.w.listLen(f.f.Arguments.ForName(name)) }

// measure is what the walk computes for a selection set, relative to it.
// Its objects are cost + perItem × Items of the scope it was walked in:
// linear in Items, so that a fragment walked once per kind serves every
// page size it is spread under.
type measure struct {
	cost, perItem                            int
	depth, aliases, directives, introNesting int
}

// at returns the objects of m for a scope holding items items.
func (m measure) at(items int) int { return satAdd(m.cost, satMul(m.perItem, items)) }

func (m *measure) add(o measure) {
	m.cost = satAdd(m.cost, o.cost)
	m.perItem = satAdd(m.perItem, o.perItem)
	m.depth = max(m.depth, o.depth)
	m.aliases = satAdd(m.aliases, o.aliases)
	m.directives = satAdd(m.directives, o.directives)
	m.introNesting = max(m.introNesting, o.introNesting)
}

// addAlternative adds o, one of several fragments of which at most one
// applies to any object: the objects are the most of either, the other
// measures add up as everywhere.
func (m *measure) addAlternative(o measure) {
	cost, perItem := max(m.cost, o.cost), max(m.perItem, o.perItem)
	m.add(o)
	m.cost, m.perItem = cost, perItem
}

// fragKey names a fragment's measure: a fragment measures differently
// inside introspection (no objects, no depth) and outside, and on each
// kind of entity.
type fragKey struct {
	name  string
	intro bool
	kind  string
}

type walker struct {
	cfg      Config
	graph    Graph
	vars     map[string]any
	op       *ast.OperationDefinition
	frags    map[string]*ast.FragmentDefinition
	memo     map[fragKey]measure
	visiting map[fragKey]bool
	steps    int
	err      error

	path     []string // response keys from the root to the field being walked
	widest   string
	widestBy int
	dead     int // > 0 inside a fragment that cannot apply: nothing to note
}

func deadIf(b bool) int {
	if b {
		return 1
	}
	return 0
}

// selectionSet measures a selection set on objects of type typ (its name;
// "" if unknown) in scope s.
func (w *walker) selectionSet(set ast.SelectionSet, typ string, s Scope, intro bool) measure {
	var m, alternatives measure
	for _, sel := range set {
		w.steps++
		switch sel := sel.(type) {
		case *ast.Field:
			m.add(w.field(sel, s, intro))
		case *ast.InlineFragment:
			fs, alternative, applies := w.narrow(sel.TypeCondition, conditionType(sel.TypeCondition, sel.SelectionSet), typ, s, intro)
			w.dead += deadIf(!applies)
			f := w.selectionSet(sel.SelectionSet, cmpOr(sel.TypeCondition, typ), fs, intro)
			w.dead -= deadIf(!applies)
			f.directives = satAdd(f.directives, len(sel.Directives))
			w.addFragment(&m, &alternatives, f, alternative, applies)
		case *ast.FragmentSpread:
			def := w.frags[sel.Name]
			var cond string
			var condDef *ast.Definition
			if def != nil {
				cond, condDef = def.TypeCondition, def.Definition
			}
			fs, alternative, applies := w.narrow(cond, condDef, typ, s, intro)
			w.dead += deadIf(!applies)
			f := w.spread(sel.Name, cmpOr(cond, typ), fs, intro)
			w.dead -= deadIf(!applies)
			f.directives = satAdd(f.directives, len(sel.Directives))
			w.addFragment(&m, &alternatives, f, alternative, applies)
		}
	}
	m.add(alternatives)
	return m
}

func (w *walker) addFragment(m, alternatives *measure, f measure, alternative, applies bool) {
	if !applies {
		f.cost, f.perItem = 0, 0 // never on these objects: only its shape counts
	}
	if alternative {
		alternatives.addAlternative(f)
		return
	}
	m.add(f)
}

// conditionType returns the definition of an inline fragment's type
// condition cond, as its fields know it (validation gives the fragment
// only its parent's); nil when no field says.
func conditionType(cond string, set ast.SelectionSet) *ast.Definition {
	for _, sel := range set {
		if f, ok := sel.(*ast.Field); ok && f.ObjectDefinition != nil && f.ObjectDefinition.Name == cond {
			return f.ObjectDefinition
		}
	}
	return nil
}

// narrow returns the scope of a fragment on type cond (with definition
// def) spread in a selection on type typ in scope s; whether it is one of
// several alternatives (its type is an object type, so at most one such
// fragment applies to an object); and whether it can apply at all (not
// when the scope's kind is another).
func (w *walker) narrow(cond string, def *ast.Definition, typ string, s Scope, intro bool) (Scope, bool, bool) {
	if intro || cond == "" || cond == typ {
		return s, false, true
	}
	k := w.kind(cond)
	if k != "" && s.Kind != "" && k != s.Kind {
		return Scope{Kind: k, Items: s.Items}, false, false
	}
	if k != "" {
		s.Kind = k
	}
	return s, def != nil && def.Kind == ast.Object, true
}

// spread returns the measure of fragment name on objects of scope s,
// computing it once per kind.
func (w *walker) spread(name, typ string, s Scope, intro bool) measure {
	k := fragKey{name, intro, s.Kind}
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
	m := w.selectionSet(def.SelectionSet, typ, s, intro)
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

func (w *walker) field(f *ast.Field, s Scope, intro bool) measure {
	entry := !intro && (f.Name == "__schema" || f.Name == "__type")
	composite := len(f.SelectionSet) > 0
	key := cmpOr(f.Alias, f.Name)
	w.path = append(w.path, key)
	defer func() { w.path = w.path[:len(w.path)-1] }()

	var b Bound
	typ := Field{f, w}.Type()
	if composite && !intro && !entry {
		b = w.bound(s, f)
		if k := w.kind(typ); k != "" {
			b.Child.Kind = k
		}
		if !b.PerItem {
			w.note(max(b.N, b.Child.Items))
		}
	}
	sub := w.selectionSet(f.SelectionSet, typ, b.Child, intro || entry)
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
		// Below __schema/__type: no objects counted, no depth; lists
		// nest-counted.
		if introspectionLists[f.Name] {
			m.introNesting = satAdd(m.introNesting, 1)
		}
	case entry:
		m.depth = 1
	default:
		m.depth = satAdd(1, sub.depth)
		if composite {
			each := satAdd(1, sub.at(b.Child.Items)) // a value, and what its selection yields
			if b.PerItem {
				m.perItem = satMul(b.N, each)
			} else {
				m.cost = satMul(b.N, each)
			}
		}
	}
	return m
}

// bound asks the Graph about f, or Pages when there is none.
func (w *walker) bound(s Scope, f *ast.Field) Bound {
	var b Bound
	if w.graph != nil {
		b = w.graph.Bound(s, Field{f, w})
	} else {
		b = Pages{}.Bound(s, Field{f, w})
	}
	b.N = max(b.N, 0)
	b.Child.Items = max(b.Child.Items, 0)
	return b
}

func (w *walker) kind(typ string) string {
	if w.graph == nil || typ == "" {
		return ""
	}
	return w.graph.Kind(typ)
}

// note records the field being walked as the widest if it multiplies
// more than any before it.
func (w *walker) note(by int) {
	if w.dead == 0 && by > 1 && by > w.widestBy {
		w.widest, w.widestBy = strings.Join(w.path, "."), by
	}
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
// that is not a representable integer counts as -1, which clamp treats as
// a refused page.
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

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
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
