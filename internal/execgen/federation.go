package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/99designs/gqlgen/plugin"
	"github.com/99designs/gqlgen/plugin/federation"
	"github.com/vektah/gqlparser/v2/ast"
)

// gqlgen's federation plugin declares an object type of its own, named
// Entity, whose fields are the entity resolvers (findManyCompanyByIDs,
// ...), so that gqlgen generates a resolver interface for them; it refuses
// a schema that has a type of that name already (gqlgen issue #1256, pull
// request #1563, open since 2021). tupu's schema has one: `interface
// Entity`, which the public API names. So the plugin runs here with that
// type of its own named federationResolvers instead, at the four places
// where it names it: the SDL it adds, the model it binds, the object it
// looks up when it generates code, and the resolver call it generates.
// Each must match; when a gqlgen upgrade changes one, generation fails.
// The code it generates for Query._entities is made to resolve on one
// goroutine too (federationRewrites).
const (
	pluginType          = "Entity"
	federationResolvers = "FederationEntity"
)

// federationOption replaces, in the plugins api.Generate runs, the
// federation plugin by federationPlugin.
type federationOption struct{ wrapped bool }

func (o *federationOption) apply(_ *config.Config, plugins *[]plugin.Plugin) {
	for i, p := range *plugins {
		if f, ok := p.(*federation.Federation); ok {
			(*plugins)[i] = federationPlugin{f}
			o.wrapped = true
		}
	}
}

// federationPlugin is gqlgen's federation plugin with its own type named
// federationResolvers. The methods it does not override are the plugin's.
type federationPlugin struct{ *federation.Federation }

var _ interface {
	plugin.EarlySourcesInjector
	plugin.LateSourcesInjector
	plugin.ConfigMutator
	plugin.CodeGenerator
} = federationPlugin{}

// InjectSourcesLate renames the type in the SDL the plugin adds.
func (p federationPlugin) InjectSourcesLate(s *ast.Schema) ([]*ast.Source, error) {
	sources, err := p.Federation.InjectSourcesLate(s)
	if err != nil {
		return nil, err
	}
	from, to := "\ntype "+pluginType+" {", "\ntype "+federationResolvers+" {"
	n := 0
	for _, src := range sources {
		n += strings.Count(src.Input, from)
		src.Input = strings.ReplaceAll(src.Input, from, to)
	}
	if n != 1 {
		return nil, fmt.Errorf("federation: %d declarations of %q in the plugin's SDL, want 1: has gqlgen changed it?", n, strings.TrimSpace(from))
	}
	return sources, nil
}

// MutateConfig lets the plugin bind its type's model, which it does under
// the name Entity (refusing to if that name is bound already), and moves
// that binding to the renamed type, putting tupu's back.
//
// The plugin refuses a bound _Entity too, and autobind (gqlgen.yml) has
// bound it, as it binds every type to the Go type of its name in the
// models' package, and the Go name of _Entity is Entity; the plugin binds
// it again, to its own type.
func (p federationPlugin) MutateConfig(cfg *config.Config) error {
	delete(cfg.Models, "_Entity")
	ours, bound := cfg.Models[pluginType]
	delete(cfg.Models, pluginType)
	err := p.Federation.MutateConfig(cfg)
	theirs, ok := cfg.Models[pluginType]
	if bound {
		cfg.Models[pluginType] = ours
	} else {
		delete(cfg.Models, pluginType)
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("federation: the plugin bound no model to %s: has gqlgen changed it?", pluginType)
	}
	cfg.Models[federationResolvers] = theirs
	return nil
}

// GenerateCode shows the plugin its type under the name it looks it up
// by, and points the resolver calls it generates at the renamed type's
// resolver.
func (p federationPlugin) GenerateCode(data *codegen.Data) error {
	obj := data.Objects.ByName(federationResolvers)
	if obj == nil {
		return fmt.Errorf("federation: no object %s to generate resolvers for", federationResolvers)
	}
	obj.Name = pluginType
	err := p.Federation.GenerateCode(data)
	obj.Name = federationResolvers
	if err != nil {
		return err
	}
	if !obj.Root {
		return fmt.Errorf("federation: the plugin did not make %s a root object: has gqlgen changed it?", federationResolvers)
	}
	path := data.Config.Federation.Filename
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, r := range federationRewrites {
		from, to := []byte(r.from), []byte(r.to)
		if !bytes.Contains(src, from) {
			return fmt.Errorf("%s: no %q to rewrite: has gqlgen changed the code it generates?", path, from)
		}
		src = bytes.ReplaceAll(src, from, to)
	}
	return os.WriteFile(path, src, 0o644)
}

// federationRewrites are made in the code the plugin generates for
// Query._entities: its resolver calls go to the renamed type's resolver,
// and the groups of representations (one per type, or one per
// representation for a type not resolved in batches), which it resolves
// on a goroutine each, are resolved one after another on the response's
// goroutine, as every other field is (graph/sequential): each function is
// called where it was started, between the same WaitGroup calls.
var federationRewrites = []struct{ from, to string }{
	{"ec.Resolvers." + pluginType + "().", "ec.Resolvers." + federationResolvers + "()."},
	{"go func(typeName string, reps []EntityWithIndex) {", "func(typeName string, reps []EntityWithIndex) {"},
	{"go func(i int, rep EntityWithIndex) {", "func(i int, rep EntityWithIndex) {"},
}
