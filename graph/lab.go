package graph

import (
	"context"

	"tupu/graph/exec"
	"tupu/graph/model"
)

type labResolver struct{ *Resolver }

var _ exec.LabResolver = (*labResolver)(nil)

// Lab returns the resolver of Lab's fields.
func (r *Resolver) Lab() exec.LabResolver { return &labResolver{r} }

func (r *labResolver) Facts(ctx context.Context, obj *model.Lab, property, period *string) ([]*model.Fact, error) {
	return facts(ctx, obj, property, period)
}

func (r *labResolver) Relations(ctx context.Context, obj *model.Lab, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.RelationConnection, error) {
	return relations(ctx, obj, predicate, direction, kind, first, after, last, before, filter, orderBy)
}

func (r *labResolver) Builder(ctx context.Context, obj *model.Lab) (model.Entity, error) {
	return relatedOne(ctx, obj, labBuilder)
}

func (r *labResolver) Partners(ctx context.Context, obj *model.Lab, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.EntityConnection, error) {
	return relatedConnection(ctx, obj, labPartners, entityConnection, first, after, last, before, filter, orderBy)
}

func (r *labResolver) Park(ctx context.Context, obj *model.Lab) (*model.Park, error) {
	e, err := relatedOne(ctx, obj, labPark)
	p, _ := e.(*model.Park)
	return p, err
}

func (r *labResolver) History(ctx context.Context, obj *model.Lab, first *int, after *string) (*model.ChangeConnection, error) {
	return history(ctx, obj, first, after)
}
