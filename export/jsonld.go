package export

import (
	"encoding/json"
	"io"
	"strings"
)

// WriteJSONLD writes the graph as JSON-LD 1.1 (see rdf.go for what it
// says): an inline context of prefixes (schema, tupu, rdf, rdfs, xsd), so
// that it needs nothing from the network, and a flat @graph of node
// objects, one for each subject in the order of the N-Triples. It holds
// the very triples WriteNTriples writes. Deterministic, indented, ending
// in a newline.
func WriteJSONLD(w io.Writer, g *Graph, o Options) error {
	ts, err := triples(g, o)
	if err != nil {
		return err
	}
	context := map[string]string{}
	for _, p := range prefixes {
		context[p.prefix] = p.ns
	}
	var nodes []map[string]any
	index := map[string]int{}
	for _, t := range ts {
		i, ok := index[t.s]
		if !ok {
			i = len(nodes)
			index[t.s] = i
			nodes = append(nodes, map[string]any{"@id": compact(t.s)})
		}
		key, value := compact(t.p), jsonValue(t.o)
		if t.p == rdfNS+"type" {
			key, value = "@type", compact(t.o.iri)
		}
		switch old := nodes[i][key].(type) {
		case nil:
			nodes[i][key] = value
		case []any:
			nodes[i][key] = append(old, value)
		default:
			nodes[i][key] = []any{old, value}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"@context": context, "@graph": nodes})
}

// jsonValue is an object as a JSON-LD value.
func jsonValue(t term) any {
	switch {
	case t.iri != "":
		return map[string]string{"@id": compact(t.iri)}
	case t.lang != "":
		return map[string]string{"@value": t.value, "@language": t.lang}
	case t.datatype != "":
		return map[string]string{"@value": t.value, "@type": compact(t.datatype)}
	}
	return t.value
}

// compact writes an IRI in one of the context's namespaces as a compact
// IRI (schema:name); others stay whole.
func compact(iri string) string {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(iri, p.ns); ok && rest != "" && !strings.HasPrefix(rest, "//") {
			return p.prefix + ":" + rest
		}
	}
	return iri
}
