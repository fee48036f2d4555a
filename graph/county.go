package graph

import (
	"context"

	"tupu/graph/exec"
	"tupu/graph/model"
)

type countyResolver struct{ *Resolver }

var _ exec.CountyResolver = (*countyResolver)(nil)

// County returns the resolver of County's fields.
func (r *Resolver) County() exec.CountyResolver { return &countyResolver{r} }

func (r *countyResolver) Facts(ctx context.Context, obj *model.County, property, period *string) ([]*model.Fact, error) {
	return facts(ctx, obj, property, period)
}

func (r *countyResolver) Relations(ctx context.Context, obj *model.County, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.RelationConnection, error) {
	return relations(ctx, obj, predicate, direction, kind, first, after, last, before, filter, orderBy)
}

func (r *countyResolver) PartnerDistricts(ctx context.Context, obj *model.County, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.DistrictConnection, error) {
	return relatedConnection(ctx, obj, countyPartnerDistricts, districtConnection, first, after, last, before, filter, orderBy)
}

func (r *countyResolver) History(ctx context.Context, obj *model.County, first *int, after *string) (*model.ChangeConnection, error) {
	return history(ctx, obj, first, after)
}
