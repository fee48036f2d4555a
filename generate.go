package tupu

// The GraphQL layer's executable schema and models are generated from
// schema.graphql by gqlgen (config in gqlgen.yml) through internal/execgen,
// which also makes the executable schema resolve on one goroutine; .ci/run
// fails when they are stale.
//go:generate go run ./internal/execgen
