package graph

import (
	"context"
	"path"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"tupu/graph/exec"
	"tupu/graph/model"
)

// Apollo Federation: a router asks tupu for entities other subgraphs
// reference with Query._entities, one representation each, {__typename,
// id}, the id being the Relay ID (federation.graphql keys every object
// type with an ID by it). gqlgen's federation plugin groups the
// representations by type and calls one resolver below per type, with all
// of that type's; each looks every ID up the way Query.node does, through
// the response's snapshot, so the entities depend on their keys in the
// response cache as node's do.

// federationSource is the file of the schema that makes it a federation
// subgraph, beside schema.graphql (gqlgen.yml).
const federationSource = "federation.graphql"

// FromFederation reports whether what is at pos is written in
// federation.graphql (the @key and @link directives), which the public
// schema leaves out.
func FromFederation(pos *ast.Position) bool {
	return pos != nil && pos.Src != nil && path.Base(pos.Src.Name) == federationSource
}

type federationEntityResolver struct{ *Resolver }

var _ exec.FederationEntityResolver = (*federationEntityResolver)(nil)

// FederationEntity returns the resolvers of Query._entities, by type.
func (r *Resolver) FederationEntity() exec.FederationEntityResolver {
	return &federationEntityResolver{r}
}

// byID returns the nodes of the IDs of reps, in their order, each as T:
// null for an ID nothing has, or that names an object of another type
// than the representation's __typename (Apollo's routers ask for entities
// they hold references to; one gone since is null, as in Query.node). An
// ID that is not a tupu ID is a BAD_USER_INPUT error at its index of
// _entities, the others resolve.
func byID[T model.Node, R any](ctx context.Context, r *Resolver, reps []*R, id func(*R) string) ([]T, error) {
	q := &queryResolver{r}
	out := make([]T, len(reps))
	var errs graphql.BatchErrorList
	for i, rep := range reps {
		n, err := q.Node(ctx, id(rep))
		if err != nil {
			if errs == nil {
				errs = make(graphql.BatchErrorList, len(reps))
			}
			errs[i] = err
			continue
		}
		if t, ok := n.(T); ok {
			out[i] = t
		}
	}
	if errs != nil {
		return out, errs
	}
	return out, nil
}

func (r *federationEntityResolver) FindManyDistrictByIDs(ctx context.Context, reps []*model.DistrictByIDsInput) ([]*model.District, error) {
	return byID[*model.District](ctx, r.Resolver, reps, func(r *model.DistrictByIDsInput) string { return r.ID })
}

func (r *federationEntityResolver) FindManyParkByIDs(ctx context.Context, reps []*model.ParkByIDsInput) ([]*model.Park, error) {
	return byID[*model.Park](ctx, r.Resolver, reps, func(r *model.ParkByIDsInput) string { return r.ID })
}

func (r *federationEntityResolver) FindManyCompanyByIDs(ctx context.Context, reps []*model.CompanyByIDsInput) ([]*model.Company, error) {
	return byID[*model.Company](ctx, r.Resolver, reps, func(r *model.CompanyByIDsInput) string { return r.ID })
}

func (r *federationEntityResolver) FindManyLabByIDs(ctx context.Context, reps []*model.LabByIDsInput) ([]*model.Lab, error) {
	return byID[*model.Lab](ctx, r.Resolver, reps, func(r *model.LabByIDsInput) string { return r.ID })
}

func (r *federationEntityResolver) FindManyTalentProgramByIDs(ctx context.Context, reps []*model.TalentProgramByIDsInput) ([]*model.TalentProgram, error) {
	return byID[*model.TalentProgram](ctx, r.Resolver, reps, func(r *model.TalentProgramByIDsInput) string { return r.ID })
}

func (r *federationEntityResolver) FindManyCountyByIDs(ctx context.Context, reps []*model.CountyByIDsInput) ([]*model.County, error) {
	return byID[*model.County](ctx, r.Resolver, reps, func(r *model.CountyByIDsInput) string { return r.ID })
}

func (r *federationEntityResolver) FindManyOtherEntityByIDs(ctx context.Context, reps []*model.OtherEntityByIDsInput) ([]*model.OtherEntity, error) {
	return byID[*model.OtherEntity](ctx, r.Resolver, reps, func(r *model.OtherEntityByIDsInput) string { return r.ID })
}

func (r *federationEntityResolver) FindManyDocumentByIDs(ctx context.Context, reps []*model.DocumentByIDsInput) ([]*model.Document, error) {
	return byID[*model.Document](ctx, r.Resolver, reps, func(r *model.DocumentByIDsInput) string { return r.ID })
}
