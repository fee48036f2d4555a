package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteNTriples writes the graph as N-Triples (see rdf.go for what the
// triples say): one triple a line, in a stable order, literals escaped
// as canonical N-Triples escapes them and otherwise UTF-8. It returns how
// many triples it wrote.
func WriteNTriples(w io.Writer, g *Graph, o Options) (int, error) {
	ts, err := triples(g, o)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	var line strings.Builder
	for _, t := range ts {
		line.Reset()
		line.WriteString("<" + t.s + "> <" + t.p + "> ")
		writeTerm(&line, t.o)
		line.WriteString(" .\n")
		if _, err := bw.WriteString(line.String()); err != nil {
			return 0, err
		}
	}
	return len(ts), bw.Flush()
}

// writeTerm writes an IRI or a literal in N-Triples syntax. IRIs are
// written as they are: the ones this package makes hold no character an
// IRIREF forbids.
func writeTerm(b *strings.Builder, t term) {
	if t.iri != "" {
		b.WriteString("<" + t.iri + ">")
		return
	}
	b.WriteByte('"')
	escapeLiteral(b, t.value)
	b.WriteByte('"')
	switch {
	case t.lang != "":
		b.WriteString("@" + t.lang)
	case t.datatype != "":
		b.WriteString("^^<" + t.datatype + ">")
	}
}

// escapeLiteral writes s for a STRING_LITERAL_QUOTE in canonical form:
// " \ and line breaks as \" \\ \n \r; backspace, tab and form feed as
// \b \t \f; other control characters as \uXXXX; everything else as UTF-8
// (a byte that is not UTF-8 as U+FFFD).
func escapeLiteral(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
}
