package tupu

// The GraphQL layer's executable schema and models are generated from
// schema.graphql by gqlgen (config in gqlgen.yml); .ci/run fails when
// they are stale.
//go:generate go tool gqlgen generate
