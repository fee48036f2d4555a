// Package graph is the GraphQL layer: the hand-written resolvers of the
// schema in schema.graphql and the per-response snapshot they read
// through. The executable schema gqlgen generates lives in graph/exec, the
// models in graph/model; package httpapi serves it over HTTP.
package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"tupu"
	"tupu/graph/exec"
	"tupu/graph/model"
	"tupu/indexer"
	"tupu/store"
)

// Resolver is the root of the resolvers; it holds what they share.
type Resolver struct {
	store  *store.Store
	search *indexer.Indexer // nil: search is off
}

// NewExecutableSchema returns the schema with its resolvers over s, and
// over the search index x (nil turns search off). Every response it
// resolves must read through a Reads (BeginReads) in its context.
func NewExecutableSchema(s *store.Store, x *indexer.Indexer) graphql.ExecutableSchema {
	return exec.NewExecutableSchema(exec.Config{Resolvers: &Resolver{store: s, search: x}})
}

// A named relation of a typed entity ("a park's companies"): the edges of
// one direction and predicates whose far end is of one kind.
type namedRelation struct {
	direction  tupu.Direction
	predicates []tupu.Predicate
	kind       tupu.Kind // empty: any kind
}

// The named relations of the schema, in one place.
var (
	districtParks           = namedRelation{tupu.In, []tupu.Predicate{tupu.PredLocatedIn}, tupu.KindPark}
	districtCompanies       = namedRelation{tupu.In, []tupu.Predicate{tupu.PredLocatedIn}, tupu.KindCompany}
	districtTalentPrograms  = namedRelation{tupu.Out, []tupu.Predicate{tupu.PredRuns, tupu.PredDrawsOn}, tupu.KindTalentProgram}
	districtPartnerCounties = namedRelation{tupu.Out, []tupu.Predicate{tupu.PredPairedWith}, tupu.KindCounty}
	parkDistrict            = namedRelation{tupu.Out, []tupu.Predicate{tupu.PredLocatedIn}, tupu.KindDistrict}
	parkCompanies           = namedRelation{tupu.Out, []tupu.Predicate{tupu.PredHosts}, tupu.KindCompany}
	parkLabs                = namedRelation{tupu.Out, []tupu.Predicate{tupu.PredHosts}, tupu.KindLab}
	companyParks            = namedRelation{tupu.In, []tupu.Predicate{tupu.PredHosts}, tupu.KindPark}
	companyLabs             = namedRelation{tupu.Out, []tupu.Predicate{tupu.PredBuilt}, tupu.KindLab}
	labBuilder              = namedRelation{tupu.In, []tupu.Predicate{tupu.PredBuilt}, ""}
	labPartners             = namedRelation{tupu.In, []tupu.Predicate{tupu.PredPartnerOf}, ""}
	labPark                 = namedRelation{tupu.In, []tupu.Predicate{tupu.PredHosts}, tupu.KindPark}
	programDistrict         = namedRelation{tupu.In, []tupu.Predicate{tupu.PredRuns}, tupu.KindDistrict}
	countyPartnerDistricts  = namedRelation{tupu.In, []tupu.Predicate{tupu.PredPairedWith}, tupu.KindDistrict}
)

// namedRelations are the named relations by "Type.field", for the cost
// model (cost.go); a test checks every relation field of a typed entity
// is here.
var namedRelations = map[string]namedRelation{
	"District.parks":           districtParks,
	"District.companies":       districtCompanies,
	"District.talentPrograms":  districtTalentPrograms,
	"District.partnerCounties": districtPartnerCounties,
	"Park.district":            parkDistrict,
	"Park.companies":           parkCompanies,
	"Park.labs":                parkLabs,
	"Company.parks":            companyParks,
	"Company.labs":             companyLabs,
	"Lab.builder":              labBuilder,
	"Lab.partners":             labPartners,
	"Lab.park":                 labPark,
	"TalentProgram.district":   programDistrict,
	"County.partnerDistricts":  countyPartnerDistricts,
}

func (n namedRelation) filter() store.EdgeFilter {
	return store.EdgeFilter{Direction: n.direction, Predicates: n.predicates, Kind: n.kind}
}

func (n namedRelation) query(entity string) edgeQuery {
	return edgeQuery{entity: entity, filter: n.filter()}
}

// related reads one page of a named relation of entity.
func related(ctx context.Context, entity model.Entity, n namedRelation, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*page, error) {
	args, err := pageArgs(first, after, last, before)
	if err != nil {
		return nil, err
	}
	q := n.query(entity.Entry().Key)
	if err := q.setPage(args, filter, orderBy); err != nil {
		return nil, err
	}
	p, err := loadEdges(ctx, q)
	if err != nil {
		return nil, err
	}
	out := edgesPage(p)
	out.asked = askedFor(ctx)
	return out, nil
}

// relatedConnection loads one page of a named relation as a typed connection.
func relatedConnection[C any](ctx context.Context, entity model.Entity, n namedRelation, conn func(*page) C, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (C, error) {
	p, err := related(ctx, entity, n, first, after, last, before, filter, orderBy)
	if err != nil {
		var none C
		return none, err
	}
	return conn(p), nil
}

// relatedOne returns the first entity of a named relation, or nil.
func relatedOne(ctx context.Context, entity model.Entity, n namedRelation) (model.Entity, error) {
	one := 1
	p, err := related(ctx, entity, n, &one, nil, nil, nil, nil, nil)
	if err != nil || len(p.entities) == 0 {
		return nil, err
	}
	return model.NewEntity(p.entities[0]), nil
}

// facts loads the facts of an entity.
func facts(ctx context.Context, entity model.Entity, property, period *string) ([]*model.Fact, error) {
	q := factQuery{entity: entity.Entry().Key}
	if property != nil {
		q.property = *property
	}
	if period != nil {
		q.period = *period
	}
	fs, err := loadFacts(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Fact, len(fs))
	for i := range fs {
		out[i] = model.NewFact(&fs[i])
	}
	return out, nil
}

// relations loads a page of an entity's relations, any predicate.
func relations(ctx context.Context, entity model.Entity, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.RelationConnection, error) {
	args, err := pageArgs(first, after, last, before)
	if err != nil {
		return nil, err
	}
	f, err := relationsFilter(predicate, direction, kind)
	if err != nil {
		return nil, err
	}
	q := edgeQuery{entity: entity.Entry().Key, filter: f}
	if err := q.setPage(args, filter, orderBy); err != nil {
		return nil, err
	}
	p, err := loadEdges(ctx, q)
	if err != nil {
		return nil, err
	}
	c := &model.RelationConnection{TotalCount: p.Total, Edges: []*model.RelationEdge{}, Nodes: []model.Entity{}}
	cursors := make([][]byte, len(p.Edges))
	for i, e := range p.Edges {
		node := model.NewEntity(e.Other)
		cursors[i] = e.Cursor
		src, note, err := e.Provenance()
		if err != nil {
			return nil, err
		}
		c.Nodes = append(c.Nodes, node)
		c.Edges = append(c.Edges, &model.RelationEdge{
			Cursor: encodeCursor(e.Cursor), Predicate: string(e.Predicate), Direction: model.Direction(e.Direction),
			Node: node, Source: model.NewSource(src), Note: optionalString(note),
		})
	}
	c.PageInfo = pageInfo(cursors, p.HasNext, p.HasPrev)
	return c, nil
}

// relationsFilter selects the edges of an entity that the arguments of
// Entity.relations ask for (nil: any).
func relationsFilter(predicate *string, direction *model.Direction, kind *model.EntityKind) (store.EdgeFilter, error) {
	f := store.EdgeFilter{Direction: tupu.Both}
	if direction != nil {
		f.Direction = tupu.Direction(*direction)
	}
	if predicate != nil {
		p, ok := tupu.PredicateByName(*predicate)
		if !ok {
			return f, tupu.Errorf(tupu.BadUserInput, "predicate %q is unknown", *predicate)
		}
		f.Predicates = []tupu.Predicate{p}
	}
	if kind != nil {
		f.Kind = tupu.Kind(*kind)
	}
	return f, nil
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type sourceResolver struct{ *Resolver }

var _ exec.SourceResolver = (*sourceResolver)(nil)

// Source returns the resolver of Source's fields.
func (r *Resolver) Source() exec.SourceResolver { return &sourceResolver{r} }

func (r *sourceResolver) Document(ctx context.Context, obj *model.Source) (*model.Document, error) {
	d, err := loadDocument(ctx, obj.DocumentKey)
	if err != nil {
		return nil, err
	}
	return model.NewDocument(d), nil
}
