package graph

import (
	"context"

	"tupu/graph/exec"
	"tupu/graph/model"
)

type districtResolver struct{ *Resolver }

var _ exec.DistrictResolver = (*districtResolver)(nil)

// District returns the resolver of District's fields.
func (r *Resolver) District() exec.DistrictResolver { return &districtResolver{r} }

func (r *districtResolver) Facts(ctx context.Context, obj *model.District, property, period *string) ([]*model.Fact, error) {
	return facts(ctx, obj, property, period)
}

func (r *districtResolver) Relations(ctx context.Context, obj *model.District, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.RelationConnection, error) {
	return relations(ctx, obj, predicate, direction, kind, first, after, last, before, filter, orderBy)
}

func (r *districtResolver) Parks(ctx context.Context, obj *model.District, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.ParkConnection, error) {
	return relatedConnection(ctx, obj, districtParks, parkConnection, first, after, last, before, filter, orderBy)
}

func (r *districtResolver) Companies(ctx context.Context, obj *model.District, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.CompanyConnection, error) {
	return relatedConnection(ctx, obj, districtCompanies, companyConnection, first, after, last, before, filter, orderBy)
}

func (r *districtResolver) TalentPrograms(ctx context.Context, obj *model.District, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.TalentProgramConnection, error) {
	return relatedConnection(ctx, obj, districtTalentPrograms, talentProgramConnection, first, after, last, before, filter, orderBy)
}

func (r *districtResolver) PartnerCounties(ctx context.Context, obj *model.District, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.CountyConnection, error) {
	return relatedConnection(ctx, obj, districtPartnerCounties, countyConnection, first, after, last, before, filter, orderBy)
}

func (r *districtResolver) History(ctx context.Context, obj *model.District, first *int, after *string) (*model.ChangeConnection, error) {
	return history(ctx, obj, first, after)
}
