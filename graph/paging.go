package graph

import (
	"encoding/base64"

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
	entities []*tupu.Entity
	cursors  [][]byte
	total    int
	info     *model.PageInfo
}

func edgesPage(p *store.EdgePage) *page {
	out := &page{total: p.Total}
	for _, e := range p.Edges {
		out.entities = append(out.entities, e.Other)
		out.cursors = append(out.cursors, e.Cursor)
	}
	out.info = pageInfo(out.cursors, p.HasNext, p.HasPrev)
	return out
}

func entitiesPage(p *store.EntityPage, total int) *page {
	return &page{entities: p.Entities, cursors: p.Cursors, total: total, info: pageInfo(p.Cursors, p.HasNext, p.HasPrev)}
}

// typed returns the page's entities as model type N with each one's cursor.
// The lists that produce typed pages select by kind, so every entity is of
// N's kind.
func typed[N model.Entity](p *page) (nodes []N, cursors []string) {
	nodes = make([]N, 0, len(p.entities))
	cursors = make([]string, 0, len(p.entities))
	for i, e := range p.entities {
		n, ok := model.NewEntity(e).(N)
		if !ok {
			continue // a kind changed under a stale index entry; skip, never panic
		}
		nodes = append(nodes, n)
		cursors = append(cursors, encodeCursor(p.cursors[i]))
	}
	return nodes, cursors
}

func entityConnection(p *page) *model.EntityConnection {
	nodes, cursors := typed[model.Entity](p)
	c := &model.EntityConnection{TotalCount: p.total, PageInfo: p.info, Nodes: nodes, Edges: make([]*model.EntityEdge, len(nodes))}
	for i, n := range nodes {
		c.Edges[i] = &model.EntityEdge{Cursor: cursors[i], Node: n}
	}
	return c
}

func districtConnection(p *page) *model.DistrictConnection {
	nodes, cursors := typed[*model.District](p)
	c := &model.DistrictConnection{TotalCount: p.total, PageInfo: p.info, Nodes: nodes, Edges: make([]*model.DistrictEdge, len(nodes))}
	for i, n := range nodes {
		c.Edges[i] = &model.DistrictEdge{Cursor: cursors[i], Node: n}
	}
	return c
}

func parkConnection(p *page) *model.ParkConnection {
	nodes, cursors := typed[*model.Park](p)
	c := &model.ParkConnection{TotalCount: p.total, PageInfo: p.info, Nodes: nodes, Edges: make([]*model.ParkEdge, len(nodes))}
	for i, n := range nodes {
		c.Edges[i] = &model.ParkEdge{Cursor: cursors[i], Node: n}
	}
	return c
}

func companyConnection(p *page) *model.CompanyConnection {
	nodes, cursors := typed[*model.Company](p)
	c := &model.CompanyConnection{TotalCount: p.total, PageInfo: p.info, Nodes: nodes, Edges: make([]*model.CompanyEdge, len(nodes))}
	for i, n := range nodes {
		c.Edges[i] = &model.CompanyEdge{Cursor: cursors[i], Node: n}
	}
	return c
}

func labConnection(p *page) *model.LabConnection {
	nodes, cursors := typed[*model.Lab](p)
	c := &model.LabConnection{TotalCount: p.total, PageInfo: p.info, Nodes: nodes, Edges: make([]*model.LabEdge, len(nodes))}
	for i, n := range nodes {
		c.Edges[i] = &model.LabEdge{Cursor: cursors[i], Node: n}
	}
	return c
}

func talentProgramConnection(p *page) *model.TalentProgramConnection {
	nodes, cursors := typed[*model.TalentProgram](p)
	c := &model.TalentProgramConnection{TotalCount: p.total, PageInfo: p.info, Nodes: nodes, Edges: make([]*model.TalentProgramEdge, len(nodes))}
	for i, n := range nodes {
		c.Edges[i] = &model.TalentProgramEdge{Cursor: cursors[i], Node: n}
	}
	return c
}

func countyConnection(p *page) *model.CountyConnection {
	nodes, cursors := typed[*model.County](p)
	c := &model.CountyConnection{TotalCount: p.total, PageInfo: p.info, Nodes: nodes, Edges: make([]*model.CountyEdge, len(nodes))}
	for i, n := range nodes {
		c.Edges[i] = &model.CountyEdge{Cursor: cursors[i], Node: n}
	}
	return c
}
