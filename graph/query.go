package graph

import (
	"context"
	"strconv"
	"strings"

	"tupu"
	"tupu/graph/exec"
	"tupu/graph/model"
	"tupu/search"
	"tupu/store"
)

type queryResolver struct{ *Resolver }

var _ exec.QueryResolver = (*queryResolver)(nil)

// Query returns the resolver of the root query's fields.
func (r *Resolver) Query() exec.QueryResolver { return &queryResolver{r} }

func (r *queryResolver) Node(ctx context.Context, id string) (model.Node, error) {
	key, isEntity, err := model.ParseID(id)
	if err != nil {
		return nil, err
	}
	if isEntity {
		e, err := loadEntity(ctx, key)
		if tupu.ErrorCode(err) == tupu.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return model.NewEntity(e), nil
	}
	d, err := loadDocument(ctx, key)
	if tupu.ErrorCode(err) == tupu.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return model.NewDocument(d), nil
}

func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > MaxPageSize {
		return nil, tupu.Errorf(tupu.BadUserInput, "at most %d ids at a time, got %d", MaxPageSize, len(ids))
	}
	nodes := make([]model.Node, len(ids))
	for i, id := range ids {
		n, err := r.Node(ctx, id)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	return nodes, nil
}

func (r *queryResolver) Entity(ctx context.Context, key *string, name *string) (model.Entity, error) {
	if (key == nil) == (name == nil) {
		return nil, tupu.Errorf(tupu.BadUserInput, "give exactly one of key and name")
	}
	var e *tupu.Entity
	var err error
	if key != nil {
		e, err = loadEntity(ctx, *key)
	} else {
		err = read(ctx, func(tx *store.Tx) error {
			e, err = tx.EntityByName(*name)
			return err
		})
	}
	if tupu.ErrorCode(err) == tupu.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return model.NewEntity(e), nil
}

// members pages through the entities of a kind (all kinds when empty) as
// a typed connection, filtered and ordered when asked.
func members[C any](ctx context.Context, r *queryResolver, kind tupu.Kind, conn func(*page) C, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (C, error) {
	var c C
	args, err := pageArgs(first, after, last, before)
	if err != nil {
		return c, err
	}
	q, err := newListQuery(filter, orderBy, args)
	if err != nil {
		return c, err
	}
	asked := askedFor(ctx)
	err = read(ctx, func(tx *store.Tx) error {
		if q == nil {
			ep, err := tx.Entities(kind, args)
			if err != nil {
				return err
			}
			p := entitiesPage(ep, tx.CountEntities(kind))
			p.asked = asked
			c = conn(p)
			return nil
		}
		fp, err := tx.QueryEntities(kind, q.Filter, q.Order, args.First, args.After)
		if err != nil {
			return err
		}
		c = conn(&page{entities: fp.Entities, cursors: fp.Cursors, total: fp.Total, hasNext: fp.HasNext, hasPrev: fp.HasPrev, asked: asked})
		return nil
	})
	return c, err
}

func (r *queryResolver) Entities(ctx context.Context, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.EntityConnection, error) {
	var k tupu.Kind
	if kind != nil {
		k = tupu.Kind(*kind)
	}
	return members(ctx, r, k, entityConnection, first, after, last, before, filter, orderBy)
}

func (r *queryResolver) Districts(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.DistrictConnection, error) {
	return members(ctx, r, tupu.KindDistrict, districtConnection, first, after, last, before, filter, orderBy)
}

func (r *queryResolver) Parks(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.ParkConnection, error) {
	return members(ctx, r, tupu.KindPark, parkConnection, first, after, last, before, filter, orderBy)
}

func (r *queryResolver) Companies(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.CompanyConnection, error) {
	return members(ctx, r, tupu.KindCompany, companyConnection, first, after, last, before, filter, orderBy)
}

func (r *queryResolver) Labs(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.LabConnection, error) {
	return members(ctx, r, tupu.KindLab, labConnection, first, after, last, before, filter, orderBy)
}

func (r *queryResolver) TalentPrograms(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.TalentProgramConnection, error) {
	return members(ctx, r, tupu.KindTalentProgram, talentProgramConnection, first, after, last, before, filter, orderBy)
}

func (r *queryResolver) Counties(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.CountyConnection, error) {
	return members(ctx, r, tupu.KindCounty, countyConnection, first, after, last, before, filter, orderBy)
}

// Search ranks entities with the search index. Its cursor is a position
// in the ranking ("o:" and an offset): a ranking has no key to seek to.
func (r *queryResolver) Search(ctx context.Context, query string, kinds []model.EntityKind, first *int, after *string) (*model.SearchConnection, error) {
	if r.search == nil {
		return nil, tupu.Errorf(tupu.Unavailable, "search is not configured on this server")
	}
	args, err := pageArgs(first, after, nil, nil)
	if err != nil {
		return nil, err
	}
	offset := 0
	if args.After != nil {
		n, err := strconv.Atoi(strings.TrimPrefix(string(args.After), "o:"))
		// A position a page gave: below the deepest offset search serves,
		// so that the next one (n+1) neither overflows nor goes past it.
		if err != nil || !strings.HasPrefix(string(args.After), "o:") || n < 0 || n >= search.MaxOffset {
			return nil, tupu.Errorf(tupu.BadUserInput, "%q is not a search cursor", *after)
		}
		offset = n + 1
	}
	q := search.Query{Text: query, Offset: offset, Limit: max(args.First, 1)}
	for _, k := range kinds {
		q.Kinds = append(q.Kinds, tupu.Kind(k))
	}
	markGlobal(ctx) // the answer depends on the index, which follows the whole graph
	res, err := r.search.Search(q)
	if err != nil {
		return nil, err
	}
	if args.First == 0 {
		res.Hits = nil
	}
	keys := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		keys[i] = h.Key
	}
	entities, err := loadEntities(ctx, keys)
	if err != nil {
		return nil, err
	}
	c := &model.SearchConnection{TotalCount: res.Total, TotalCountIsExact: res.TotalIsExact, Edges: []*model.SearchEdge{}, Nodes: []*model.SearchResult{}}
	cursors := make([][]byte, 0, len(res.Hits))
	for i, h := range res.Hits {
		if entities[i] == nil {
			// The index follows the graph a moment behind: it has yet to
			// hear that this entity was deleted (on this server, or on
			// another over the same cluster). The graph is the answer.
			c.TotalCount--
			continue
		}
		hl := make([]*model.Highlight, len(h.Highlights))
		for j, x := range h.Highlights {
			hl[j] = &model.Highlight{Text: x.Text, Start: x.Start, End: x.End}
		}
		node := &model.SearchResult{Entity: model.NewEntity(entities[i]), Score: float64(search.Fuzzy + 1 - h.Tier),
			Tier: model.SearchTier(h.Tier.String()), Matched: h.Matched, Field: h.Field, Highlights: hl}
		cursor := []byte("o:" + strconv.Itoa(offset+i))
		cursors = append(cursors, cursor)
		c.Nodes = append(c.Nodes, node)
		c.Edges = append(c.Edges, &model.SearchEdge{Cursor: encodeCursor(cursor), Node: node})
	}
	c.PageInfo = pageInfo(cursors, offset+len(res.Hits) < res.Total, offset > 0)
	return c, nil
}

func (r *queryResolver) Document(ctx context.Context, key string) (*model.Document, error) {
	d, err := loadDocument(ctx, key)
	if tupu.ErrorCode(err) == tupu.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return model.NewDocument(d), nil
}

func (r *queryResolver) Kinds(ctx context.Context) ([]*model.KindInfo, error) {
	out := make([]*model.KindInfo, len(tupu.Kinds))
	err := read(ctx, func(tx *store.Tx) error {
		for i, k := range tupu.Kinds {
			out[i] = &model.KindInfo{Info: k, Count: tx.CountEntities(k.Kind)}
		}
		return nil
	})
	return out, err
}

func (r *queryResolver) Predicates(ctx context.Context) ([]*model.PredicateInfo, error) {
	out := make([]*model.PredicateInfo, len(tupu.Predicates))
	for i, p := range tupu.Predicates {
		out[i] = &model.PredicateInfo{Info: p}
	}
	return out, nil
}
