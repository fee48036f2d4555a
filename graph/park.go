package graph

import (
	"context"

	"tupu/graph/exec"
	"tupu/graph/model"
)

type parkResolver struct{ *Resolver }

var _ exec.ParkResolver = (*parkResolver)(nil)

// Park returns the resolver of Park's fields.
func (r *Resolver) Park() exec.ParkResolver { return &parkResolver{r} }

func (r *parkResolver) Facts(ctx context.Context, obj *model.Park, property, period *string) ([]*model.Fact, error) {
	return facts(ctx, obj, property, period)
}

func (r *parkResolver) Relations(ctx context.Context, obj *model.Park, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.RelationConnection, error) {
	return relations(ctx, obj, predicate, direction, kind, first, after, last, before, filter, orderBy)
}

func (r *parkResolver) District(ctx context.Context, obj *model.Park) (*model.District, error) {
	e, err := relatedOne(ctx, obj, parkDistrict)
	d, _ := e.(*model.District)
	return d, err
}

func (r *parkResolver) Companies(ctx context.Context, obj *model.Park, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.CompanyConnection, error) {
	return relatedConnection(ctx, obj, parkCompanies, companyConnection, first, after, last, before, filter, orderBy)
}

func (r *parkResolver) Labs(ctx context.Context, obj *model.Park, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.LabConnection, error) {
	return relatedConnection(ctx, obj, parkLabs, labConnection, first, after, last, before, filter, orderBy)
}

func (r *parkResolver) History(ctx context.Context, obj *model.Park, first *int, after *string) (*model.ChangeConnection, error) {
	return history(ctx, obj, first, after)
}
