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

func (r *districtResolver) Relations(ctx context.Context, obj *model.District, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string) (*model.RelationConnection, error) {
	return relations(ctx, obj, predicate, direction, kind, first, after, last, before)
}

func (r *districtResolver) Parks(ctx context.Context, obj *model.District, first *int, after *string, last *int, before *string) (*model.ParkConnection, error) {
	p, err := related(ctx, obj, districtParks, first, after, last, before)
	if err != nil {
		return nil, err
	}
	return parkConnection(p), nil
}

func (r *districtResolver) Companies(ctx context.Context, obj *model.District, first *int, after *string, last *int, before *string) (*model.CompanyConnection, error) {
	p, err := related(ctx, obj, districtCompanies, first, after, last, before)
	if err != nil {
		return nil, err
	}
	return companyConnection(p), nil
}

func (r *districtResolver) TalentPrograms(ctx context.Context, obj *model.District, first *int, after *string, last *int, before *string) (*model.TalentProgramConnection, error) {
	p, err := related(ctx, obj, districtTalentPrograms, first, after, last, before)
	if err != nil {
		return nil, err
	}
	return talentProgramConnection(p), nil
}

func (r *districtResolver) PartnerCounties(ctx context.Context, obj *model.District, first *int, after *string, last *int, before *string) (*model.CountyConnection, error) {
	p, err := related(ctx, obj, districtPartnerCounties, first, after, last, before)
	if err != nil {
		return nil, err
	}
	return countyConnection(p), nil
}
