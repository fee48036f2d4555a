package graph

import (
	"context"

	"tupu/graph/exec"
	"tupu/graph/model"
)

type otherEntityResolver struct{ *Resolver }

var _ exec.OtherEntityResolver = (*otherEntityResolver)(nil)

// OtherEntity returns the resolver of OtherEntity's fields.
func (r *Resolver) OtherEntity() exec.OtherEntityResolver { return &otherEntityResolver{r} }

func (r *otherEntityResolver) Facts(ctx context.Context, obj *model.OtherEntity, property, period *string) ([]*model.Fact, error) {
	return facts(ctx, obj, property, period)
}

func (r *otherEntityResolver) Relations(ctx context.Context, obj *model.OtherEntity, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.RelationConnection, error) {
	return relations(ctx, obj, predicate, direction, kind, first, after, last, before, filter, orderBy)
}

func (r *otherEntityResolver) History(ctx context.Context, obj *model.OtherEntity, first *int, after *string) (*model.ChangeConnection, error) {
	return history(ctx, obj, first, after)
}
