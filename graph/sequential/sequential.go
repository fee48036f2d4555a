// Package sequential resolves a GraphQL response on one goroutine.
//
// gqlgen's generated code resolves every element of a list of objects, and
// every resolver field of an object, on a goroutine of its own, so that
// resolvers waiting on a remote store overlap. tupu's resolvers read a
// local snapshot and never wait: the goroutines buy nothing and cost most
// of a nested query's CPU (starting them, growing their stacks, computing
// a response path per object for @defer). internal/execgen points the
// generated code at these functions instead; each keeps the contract of
// the gqlgen function it replaces (field contexts, list indexes in paths,
// panics recovered into errors, null propagation), minus the goroutine.
//
// A field in a @defer fragment is resolved after the first part of the
// answer is sent, when the operation's context carries a Deferral (the
// transport can send the answer in parts): gqlgen's own deferred path
// collects it, and the Deferral holds it back until Start, then lets the
// deferred fields resolve one at a time, so they read one after another
// as the rest of the response did. Without a Deferral (an answer sent
// whole) a deferred field is resolved in place, in the one answer.
package sequential

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// MarshalSlice replaces graphql.MarshalSliceConcurrently: it marshals the
// elements in order, each under a field context holding its index.
func MarshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	if length == 0 {
		return ret
	}
	// One allocation for all the elements' contexts and indexes.
	fcs := make([]graphql.FieldContext, length)
	indexes := make([]int, length)
	for i := range length {
		indexes[i] = i
		fcs[i].Index = &indexes[i]
		childCtx := graphql.WithFieldContext(ctx, &fcs[i])
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		ret[i] = marshalRecovering(childCtx, i, marshalElement)
	}
	return ret
}

func marshalRecovering(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}

// Resolve replaces (*graphql.FieldSet).ResolveConcurrently: it resolves
// field i of out at once, on the caller's goroutine. A field deferred in an
// answer sent in parts goes to gqlgen's own call instead (see Deferred);
// without one (an answer sent whole) a deferred field is resolved here, in
// place.
func Resolve(ctx context.Context, out *graphql.FieldSet, oc *graphql.OperationContext, field graphql.CollectedField, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	out.Values[i] = recoverToNull(ctx, oc, recoverFromPanic, resolve)
	count(out, i, nonNull)
}

// Deferred reports whether field is resolved in a later part of the answer
// of ctx: it is in a @defer fragment, and the answer goes in parts (ctx
// has a Deferral). The generated code then hands it to gqlgen's
// ResolveConcurrently, wrapped by Later.
func Deferred(ctx context.Context, field graphql.CollectedField) bool {
	return field.IsDeferred() && deferralFrom(ctx) != nil
}

// Later readies the object's deferred group for field (what
// NewDeferredGroup left out, as gqlgen's own would have it), records
// where field was left out of its part, and returns resolve made to wait
// for the Deferral's turn; and, for a field deferred inside a field that
// was itself deferred, for the part that brings the outer field to be on
// its way, so that no part arrives before the object it adds to.
func Later(ctx context.Context, deferred *graphql.DeferredGroup, field graphql.CollectedField, resolve func(ctx context.Context) graphql.Marshaler) func(ctx context.Context) graphql.Marshaler {
	d := deferralFrom(ctx)
	if deferred.FieldSet == nil {
		deferred.FieldSet = graphql.NewFieldSet(nil)
		deferred.Defers = map[string]*graphql.FieldSetView{}
		deferred.Path = graphql.GetPath(deferred.Context)
	}
	labels := make([]string, len(field.Deferrables))
	for i, df := range field.Deferrables {
		labels[i] = df.Label
	}
	// gqlgen leaves null in its place, which Trim takes out.
	outer := d.omit(&omission{
		at:     append(slices.Clone(deferred.Path), ast.PathName(field.Alias)),
		group:  deferred.Path,
		labels: labels,
		sent:   make(chan struct{}),
	})
	return func(ctx context.Context) graphql.Marshaler {
		if outer != nil {
			// gqlgen sends each deferred fragment's part as soon as its
			// fields are resolved: this one's, resolved first, could
			// overtake the outer part still on its way.
			select {
			case <-outer.sent:
			case <-ctx.Done():
			}
		}
		defer d.take(ctx)()
		return resolve(ctx)
	}
}

// omission is a deferred field, left out of the part its object is in.
type omission struct {
	at     ast.Path      // where the field was left out
	group  ast.Path      // the object whose deferred fragments bring it
	labels []string      // the labels of those fragments
	sent   chan struct{} // closed when the first part that brings it is sent
	closed bool
}

// Deferral holds the deferred fields of an operation back until the
// first part of its answer is sent, then lets them resolve one at a time.
type Deferral struct {
	turn  chan struct{} // holds the one turn once started
	start sync.Once

	mu      sync.Mutex
	omitted []*omission
}

// omit records o, and returns the omission o is nested in: the deferred
// field whose value holds o's object, or nil when o's object is in the
// first part.
func (d *Deferral) omit(o *omission) (outer *omission) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.omitted {
		if len(p.at) <= len(o.group) && pathHasPrefix(o.group, p.at) && (outer == nil || len(p.at) > len(outer.at)) {
			outer = p
		}
	}
	d.omitted = append(d.omitted, o)
	return outer
}

// Sent records that the part at path at with label is sent (handed to
// the transport, which sends parts in order): the fields deferred inside
// what it brings may now resolve.
func (d *Deferral) Sent(at ast.Path, label string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, o := range d.omitted {
		if !o.closed && slices.Equal(o.group, at) && slices.Contains(o.labels, label) {
			o.closed = true
			close(o.sent)
		}
	}
}

// Trim takes out of data, a part of the answer at path at (nil for the
// first), the deferred fields gqlgen left as null in their places: a
// deferred field is absent from a part, not null (the incremental
// delivery format; and a non-null field shown as null would be wrong).
func (d *Deferral) Trim(data json.RawMessage, at ast.Path) json.RawMessage {
	d.mu.Lock()
	var under []ast.Path
	for _, o := range d.omitted {
		// A field deferred on the object at at is what this part brings;
		// those deferred deeper were left out of it.
		if len(o.at) > len(at)+1 && pathHasPrefix(o.at, at) {
			under = append(under, o.at[len(at):])
		}
	}
	d.mu.Unlock()
	if len(under) == 0 {
		return data
	}
	if trimmed, err := trimJSON(data, under); err == nil {
		return trimmed
	}
	return data
}

func pathHasPrefix(p, prefix ast.Path) bool {
	for i, e := range prefix {
		if !samePathElement(p[i], e) {
			return false
		}
	}
	return true
}

func samePathElement(a, b ast.PathElement) bool {
	switch a := a.(type) {
	case ast.PathName:
		b, ok := b.(ast.PathName)
		return ok && a == b
	case ast.PathIndex:
		b, ok := b.(ast.PathIndex)
		return ok && a == b
	}
	return false
}

// trimJSON removes from the JSON value raw the members at paths (each
// relative to raw, ending with a member's name), keeping everything else
// byte for byte and in order.
func trimJSON(raw json.RawMessage, paths []ast.Path) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	switch tok {
	case json.Delim('{'):
		out.WriteByte('{')
		first := true
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := keyTok.(string)
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				return nil, err
			}
			drop, deeper := false, []ast.Path(nil)
			for _, p := range paths {
				if name, ok := p[0].(ast.PathName); ok && string(name) == key {
					if len(p) == 1 {
						drop = true
					} else {
						deeper = append(deeper, p[1:])
					}
				}
			}
			if drop {
				continue
			}
			if deeper != nil {
				if value, err = trimJSON(value, deeper); err != nil {
					return nil, err
				}
			}
			if !first {
				out.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(key)
			out.Write(k)
			out.WriteByte(':')
			out.Write(value)
		}
		out.WriteByte('}')
	case json.Delim('['):
		out.WriteByte('[')
		for i := 0; dec.More(); i++ {
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				return nil, err
			}
			var deeper []ast.Path
			for _, p := range paths {
				if idx, ok := p[0].(ast.PathIndex); ok && int(idx) == i && len(p) > 1 {
					deeper = append(deeper, p[1:])
				}
			}
			if deeper != nil {
				if value, err = trimJSON(value, deeper); err != nil {
					return nil, err
				}
			}
			if i > 0 {
				out.WriteByte(',')
			}
			out.Write(value)
		}
		out.WriteByte(']')
	default:
		return raw, nil // null: the object itself is gone
	}
	return out.Bytes(), nil
}

type deferralKey struct{}

// WithDeferral returns ctx in which deferred fields are resolved after
// the first part of the answer, once d.Start is called. Without it they
// are resolved in place.
func WithDeferral(ctx context.Context) (context.Context, *Deferral) {
	d := &Deferral{turn: make(chan struct{}, 1)}
	return context.WithValue(ctx, deferralKey{}, d), d
}

func deferralFrom(ctx context.Context) *Deferral {
	d, _ := ctx.Value(deferralKey{}).(*Deferral)
	return d
}

// Start lets the deferred fields resolve: call it once the first part is
// sent. Calls after the first do nothing.
func (d *Deferral) Start() {
	d.start.Do(func() { d.turn <- struct{}{} })
}

// take waits for the turn and returns what gives it back. A context that
// ends first gets no turn: its reads fail at once anyway.
func (d *Deferral) take(ctx context.Context) (give func()) {
	select {
	case <-d.turn:
		return func() { d.turn <- struct{}{} }
	case <-ctx.Done():
		return func() {}
	}
}

// ResolveRoot replaces (*graphql.FieldSet).ResolveRootConcurrently: it
// resolves root field i of out at once, under the operation's root
// resolver middleware.
func ResolveRoot(ctx context.Context, out *graphql.FieldSet, oc *graphql.OperationContext, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	out.Values[i] = oc.RootResolverMiddleware(ctx, func(ctx context.Context) graphql.Marshaler {
		return recoverToNull(ctx, oc, recoverFromPanic, resolve)
	})
	count(out, i, nonNull)
}

// count marks out invalid when field i resolved to the null its type does
// not allow, as gqlgen's field sets do.
func count(out *graphql.FieldSet, i int, nonNull bool) {
	invalid := graphql.RequiredNull
	if nonNull {
		invalid = graphql.Null
	}
	if out.Values[i] == invalid {
		out.Invalids++
	}
}

func recoverToNull(ctx context.Context, oc *graphql.OperationContext, recoverFromPanic bool, resolve func(ctx context.Context) graphql.Marshaler) (m graphql.Marshaler) {
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(ctx, oc.Recover(ctx, r))
				m = graphql.Null
			}
		}()
	}
	return resolve(ctx)
}

// NewDeferredGroup replaces graphql.NewDeferredGroup without computing the
// object's response path or making its field set, which only deferred
// fields use and which cost allocations for every object of a response:
// Resolve makes them for an object's first deferred field.
func NewDeferredGroup(ctx context.Context) graphql.DeferredGroup {
	return graphql.DeferredGroup{Context: ctx}
}
