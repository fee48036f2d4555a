package graph

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"tupu/graph/exec"
)

// TestCostModel_coversSchema holds the cost model to the schema: every
// list of objects is bounded by a rule of its own (the statistics, an
// argument, the vocabulary) or is a Relay connection's page, and every
// relation field of a typed entity is a named relation, so that a field
// added to the schema cannot fall to the model's last resort (a list
// nothing bounds counts as the largest page) unnoticed.
func TestCostModel_coversSchema(t *testing.T) {
	schema := exec.NewExecutableSchema(exec.Config{}).Schema()
	entity := schema.Types["Entity"]
	for name, def := range schema.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") || def.Kind != ast.Object {
			continue
		}
		isEntity := false
		for _, i := range def.Interfaces {
			isEntity = isEntity || i == "Entity"
		}
		for _, f := range def.Fields {
			typ := schema.Types[f.Type.Name()]
			if strings.HasPrefix(f.Name, "__") || typ == nil || (typ.Kind != ast.Object && typ.Kind != ast.Interface) {
				continue // not objects
			}
			key := name + "." + f.Name
			_, rule := fieldBounds[key]
			if isEntity && entity.Fields.ForName(f.Name) != nil {
				_, rule = fieldBounds["Entity."+f.Name]
				rule = rule || f.Arguments.ForName("first") != nil // history: its page
				if f.Type.Elem != nil && !rule {
					t.Errorf("%s: an entity's list with no bound of its own", key)
				}
				continue
			}
			if isEntity {
				if _, ok := namedRelations[key]; !ok {
					t.Errorf("%s: a relation field of a typed entity that is not in namedRelations", key)
				}
				continue
			}
			_, root := rootKinds[key]
			paged := f.Arguments.ForName("first") != nil || f.Arguments.ForName("ids") != nil
			connection := strings.HasSuffix(name, "Connection") && (f.Name == "nodes" || f.Name == "edges")
			if f.Type.Elem != nil && !rule && !paged && !connection {
				t.Errorf("%s: a list of objects the cost model does not bound", key)
			}
			if strings.HasSuffix(f.Type.Name(), "Connection") && name == "Query" && !rule && !root && !paged {
				t.Errorf("%s: a root connection the cost model does not bound", key)
			}
		}
	}
	for key := range rootKinds {
		if k := strings.TrimPrefix(key, "Query."); schema.Query.Fields.ForName(k) == nil {
			t.Errorf("rootKinds has %s, which the schema does not", key)
		}
	}
	for key := range fieldBounds {
		typ, field, _ := strings.Cut(key, ".")
		if def := schema.Types[typ]; def == nil || def.Fields.ForName(field) == nil {
			t.Errorf("fieldBounds has %s, which the schema does not", key)
		}
	}
}
