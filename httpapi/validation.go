package httpapi

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validationRules are gqlparser's rules plus one that refuses @defer.
// gqlgen declares the directive, but tupu sends every answer whole (the
// executable schema does not split responses, see graph/sequential): a
// deferred fragment would be dropped from the answer without a word.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.AddRule("NoDefer", func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnDirective(func(_ *core.Walker, d *ast.Directive) {
			if d.Name == "defer" {
				addError(core.Message(`Directive "@defer" is not supported: answers are sent whole; remove it.`), core.At(d.Position))
			}
		})
	})
	return r
}
