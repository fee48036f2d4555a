package graph

import (
	"context"
	"encoding/base64"

	"github.com/99designs/gqlgen/graphql"

	"tupu"
	"tupu/graph/model"
	"tupu/store"
)

// Page sizes, as on GitHub's API: a default when the client gives none,
// and a maximum that is an error to exceed rather than a silent cut.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// pageArgs checks Relay paging arguments and turns them into the store's.
func pageArgs(first *int, after *string, last *int, before *string) (store.PageArgs, error) {
	var args store.PageArgs
	switch {
	case first != nil && last != nil:
		return args, tupu.Errorf(tupu.BadUserInput, "give first or last, not both")
	case first != nil:
		args.First = *first
	case last != nil:
		args.Last = *last
	default:
		args.First = DefaultPageSize
	}
	for _, n := range []*int{first, last} {
		if n != nil && (*n < 0 || *n > MaxPageSize) {
			return args, tupu.Errorf(tupu.BadUserInput, "first and last must be between 0 and %d, got %d", MaxPageSize, *n)
		}
	}
	var err error
	if args.After, err = decodeCursor(after); err != nil {
		return args, err
	}
	if args.Before, err = decodeCursor(before); err != nil {
		return args, err
	}
	return args, nil
}

func encodeCursor(key []byte) string {
	return base64.RawURLEncoding.EncodeToString(key)
}

func decodeCursor(c *string) ([]byte, error) {
	if c == nil {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*c)
	if err != nil || len(b) == 0 {
		return nil, tupu.Errorf(tupu.BadUserInput, "%q is not a cursor", *c)
	}
	return b, nil
}

func pageInfo(cursors [][]byte, hasNext, hasPrev bool) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: hasPrev}
	if n := len(cursors); n > 0 {
		start, end := encodeCursor(cursors[0]), encodeCursor(cursors[n-1])
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return pi
}

// page is a page of entities with their cursors, from any list: an
// entity's relations or a kind's members.
type page struct {
	entities         []*tupu.Entity
	cursors          [][]byte
	total            int
	hasNext, hasPrev bool
	asked            connectionFields
}

// connectionFields are the parts of a connection a query asks for: most
// read nodes, and an edge costs an object and a cursor, page info two
// cursors.
type connectionFields struct{ edges, pageInfo bool }

// askedFor returns what the selection of the connection field being
// resolved asks for (through fragments too).
func askedFor(ctx context.Context) connectionFields {
	if graphql.GetFieldContext(ctx) == nil {
		return connectionFields{true, true}
	}
	var c connectionFields
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "edges":
			c.edges = true
		case "pageInfo":
			c.pageInfo = true
		}
	}
	return c
}

func edgesPage(p *store.EdgePage) *page {
	out := &page{total: p.Total}
	for _, e := range p.Edges {
		out.entities = append(out.entities, e.Other)
		out.cursors = append(out.cursors, e.Cursor)
	}
	out.hasNext, out.hasPrev = p.HasNext, p.HasPrev
	return out
}

func entitiesPage(p *store.EntityPage, total int) *page {
	return &page{entities: p.Entities, cursors: p.Cursors, total: total, hasNext: p.HasNext, hasPrev: p.HasPrev}
}

// typed returns the page's entities as model type N with each one's cursor
// (if its edges were asked for). The lists that produce typed pages select
// by kind, so every entity is of N's kind.
func typed[N model.Entity](p *page) (nodes []N, cursors []string) {
	nodes = make([]N, 0, len(p.entities))
	if p.asked.edges {
		cursors = make([]string, 0, len(p.entities))
	}
	for i, e := range p.entities {
		n, ok := model.NewEntity(e).(N)
		if !ok {
			continue // a kind changed under a stale index entry; skip, never panic
		}
		nodes = append(nodes, n)
		if p.asked.edges {
			cursors = append(cursors, encodeCursor(p.cursors[i]))
		}
	}
	return nodes, cursors
}

// connection assembles a typed connection from a page: newEdge makes an
// edge of a node and its cursor, build the connection of its parts.
func connection[N model.Entity, E, C any](p *page, newEdge func(string, N) E, build func(int, *model.PageInfo, []E, []N) C) C {
	nodes, cursors := typed[N](p)
	edges := make([]E, len(cursors))
	for i, c := range cursors {
		edges[i] = newEdge(c, nodes[i])
	}
	var info *model.PageInfo
	if p.asked.pageInfo {
		info = pageInfo(p.cursors, p.hasNext, p.hasPrev)
	}
	return build(p.total, info, edges, nodes)
}

func entityConnection(p *page) *model.EntityConnection {
	return connection(p,
		func(c string, n model.Entity) *model.EntityEdge { return &model.EntityEdge{Cursor: c, Node: n} },
		func(total int, info *model.PageInfo, edges []*model.EntityEdge, nodes []model.Entity) *model.EntityConnection {
			return &model.EntityConnection{TotalCount: total, PageInfo: info, Edges: edges, Nodes: nodes}
		})
}

func districtConnection(p *page) *model.DistrictConnection {
	return connection(p,
		func(c string, n *model.District) *model.DistrictEdge { return &model.DistrictEdge{Cursor: c, Node: n} },
		func(total int, info *model.PageInfo, edges []*model.DistrictEdge, nodes []*model.District) *model.DistrictConnection {
			return &model.DistrictConnection{TotalCount: total, PageInfo: info, Edges: edges, Nodes: nodes}
		})
}

func parkConnection(p *page) *model.ParkConnection {
	return connection(p,
		func(c string, n *model.Park) *model.ParkEdge { return &model.ParkEdge{Cursor: c, Node: n} },
		func(total int, info *model.PageInfo, edges []*model.ParkEdge, nodes []*model.Park) *model.ParkConnection {
			return &model.ParkConnection{TotalCount: total, PageInfo: info, Edges: edges, Nodes: nodes}
		})
}

func companyConnection(p *page) *model.CompanyConnection {
	return connection(p,
		func(c string, n *model.Company) *model.CompanyEdge { return &model.CompanyEdge{Cursor: c, Node: n} },
		func(total int, info *model.PageInfo, edges []*model.CompanyEdge, nodes []*model.Company) *model.CompanyConnection {
			return &model.CompanyConnection{TotalCount: total, PageInfo: info, Edges: edges, Nodes: nodes}
		})
}

func labConnection(p *page) *model.LabConnection {
	return connection(p,
		func(c string, n *model.Lab) *model.LabEdge { return &model.LabEdge{Cursor: c, Node: n} },
		func(total int, info *model.PageInfo, edges []*model.LabEdge, nodes []*model.Lab) *model.LabConnection {
			return &model.LabConnection{TotalCount: total, PageInfo: info, Edges: edges, Nodes: nodes}
		})
}

func talentProgramConnection(p *page) *model.TalentProgramConnection {
	return connection(p,
		func(c string, n *model.TalentProgram) *model.TalentProgramEdge {
			return &model.TalentProgramEdge{Cursor: c, Node: n}
		},
		func(total int, info *model.PageInfo, edges []*model.TalentProgramEdge, nodes []*model.TalentProgram) *model.TalentProgramConnection {
			return &model.TalentProgramConnection{TotalCount: total, PageInfo: info, Edges: edges, Nodes: nodes}
		})
}

func countyConnection(p *page) *model.CountyConnection {
	return connection(p,
		func(c string, n *model.County) *model.CountyEdge { return &model.CountyEdge{Cursor: c, Node: n} },
		func(total int, info *model.PageInfo, edges []*model.CountyEdge, nodes []*model.County) *model.CountyConnection {
			return &model.CountyConnection{TotalCount: total, PageInfo: info, Edges: edges, Nodes: nodes}
		})
}
