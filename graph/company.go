package graph

import (
	"context"

	"tupu/graph/exec"
	"tupu/graph/model"
)

type companyResolver struct{ *Resolver }

var _ exec.CompanyResolver = (*companyResolver)(nil)

// Company returns the resolver of Company's fields.
func (r *Resolver) Company() exec.CompanyResolver { return &companyResolver{r} }

func (r *companyResolver) Facts(ctx context.Context, obj *model.Company, property, period *string) ([]*model.Fact, error) {
	return facts(ctx, obj, property, period)
}

func (r *companyResolver) Relations(ctx context.Context, obj *model.Company, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.RelationConnection, error) {
	return relations(ctx, obj, predicate, direction, kind, first, after, last, before, filter, orderBy)
}

func (r *companyResolver) Parks(ctx context.Context, obj *model.Company, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.ParkConnection, error) {
	return relatedConnection(ctx, obj, companyParks, parkConnection, first, after, last, before, filter, orderBy)
}

func (r *companyResolver) Labs(ctx context.Context, obj *model.Company, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.LabConnection, error) {
	return relatedConnection(ctx, obj, companyLabs, labConnection, first, after, last, before, filter, orderBy)
}

func (r *companyResolver) History(ctx context.Context, obj *model.Company, first *int, after *string) (*model.ChangeConnection, error) {
	return history(ctx, obj, first, after)
}
