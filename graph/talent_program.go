package graph

import (
	"context"

	"tupu/graph/exec"
	"tupu/graph/model"
)

type talentProgramResolver struct{ *Resolver }

var _ exec.TalentProgramResolver = (*talentProgramResolver)(nil)

// TalentProgram returns the resolver of TalentProgram's fields.
func (r *Resolver) TalentProgram() exec.TalentProgramResolver { return &talentProgramResolver{r} }

func (r *talentProgramResolver) Facts(ctx context.Context, obj *model.TalentProgram, property, period *string) ([]*model.Fact, error) {
	return facts(ctx, obj, property, period)
}

func (r *talentProgramResolver) Relations(ctx context.Context, obj *model.TalentProgram, predicate *string, direction *model.Direction, kind *model.EntityKind, first *int, after *string, last *int, before *string, filter *model.EntityFilter, orderBy *model.EntityOrder) (*model.RelationConnection, error) {
	return relations(ctx, obj, predicate, direction, kind, first, after, last, before, filter, orderBy)
}

// Level reads the program's `level` fact, whose text is the source's own
// word for it: 市级 (municipal) or 区级 (district).
func (r *talentProgramResolver) Level(ctx context.Context, obj *model.TalentProgram) (*model.TalentProgramLevel, error) {
	property := "level"
	fs, err := facts(ctx, obj, &property, nil)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		var level model.TalentProgramLevel
		switch deref(f.Text()) {
		case "市级":
			level = model.TalentProgramLevelMunicipal
		case "区级":
			level = model.TalentProgramLevelDistrict
		default:
			continue
		}
		return &level, nil
	}
	return nil, nil
}

func (r *talentProgramResolver) District(ctx context.Context, obj *model.TalentProgram) (*model.District, error) {
	e, err := relatedOne(ctx, obj, programDistrict)
	d, _ := e.(*model.District)
	return d, err
}

func (r *talentProgramResolver) History(ctx context.Context, obj *model.TalentProgram, first *int, after *string) (*model.ChangeConnection, error) {
	return history(ctx, obj, first, after)
}
