package graph_test

import (
	"strings"
	"testing"

	"tupu"
	"tupu/graph/exec"
)

// TestSchema_documented holds the schema to its promise: every type, field,
// argument and enum value of ours says what it is. What gqlgen's plugins
// declare (federation's _entities and _service) is not ours.
func TestSchema_documented(t *testing.T) {
	schema := exec.NewExecutableSchema(exec.Config{}).Schema()
	for name, def := range schema.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if def.Description == "" {
			t.Errorf("type %s has no description", name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") || f.Position.Src.BuiltIn {
				continue
			}
			if f.Description == "" {
				t.Errorf("field %s.%s has no description", name, f.Name)
			}
			for _, a := range f.Arguments {
				if a.Description == "" {
					t.Errorf("argument %s.%s(%s) has no description", name, f.Name, a.Name)
				}
			}
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				t.Errorf("enum value %s.%s has no description", name, v.Name)
			}
		}
	}
}

// TestSchema_kindsMatchDomain keeps the EntityKind enum and the domain's
// vocabulary in step.
func TestSchema_kindsMatchDomain(t *testing.T) {
	enum := exec.NewExecutableSchema(exec.Config{}).Schema().Types["EntityKind"]
	if len(enum.EnumValues) != len(tupu.Kinds) {
		t.Fatalf("EntityKind has %d values, the domain %d kinds", len(enum.EnumValues), len(tupu.Kinds))
	}
	for i, v := range enum.EnumValues {
		if v.Name != string(tupu.Kinds[i].Kind) {
			t.Errorf("EntityKind value %d is %s, the domain's kind %d is %s", i, v.Name, i, tupu.Kinds[i].Kind)
		}
	}
}
