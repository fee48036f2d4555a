package graph

import "strings"

// ExampleQuery is the query the playground opens with, and the benchmark
// harness's W1: one request from the district down to its parks, their
// companies, the labs those companies built and the labs' partners, with a
// figure and the words that state it.
const ExampleQuery = `# One request from 渝北区 down to the partners of the labs its companies built.
# Press the run button (or Ctrl-Enter).
query DistrictToPartners {
  entity(name: "渝北区") {
    ... on District {
      name
      nameEn
      facts(property: "gdp") {
        value
        unit
        period
        source { quote }
      }
      parks(first: 10) {
        totalCount
        nodes {
          name
          nameEn
          companies(first: 20) {
            totalCount
            nodes {
              name
              labs(first: 10) {
                nodes {
                  name
                  nameEn
                  partners(first: 10) {
                    nodes { name nameEn kind }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
`

// FanOutQuery asks for levels connections of first: 100 each, from a page
// of entities down relations, and the last level's totalCount: six levels
// reach the default depth limit (12) exactly. On a graph whose entities
// have relations its estimate is far over the default budget, so it is
// refused before anything is read (docs/cost.md); the tests and the
// harness's W6 send it.
func FanOutQuery(levels int) string {
	var b strings.Builder
	b.WriteString("{ entities(first: 100) {")
	for range levels - 1 {
		b.WriteString(" nodes { relations(first: 100) {")
	}
	b.WriteString(" totalCount")
	for range levels - 1 {
		b.WriteString(" } }")
	}
	b.WriteString(" } }")
	return b.String()
}

// RelationsOfRelationsQuery asks for a page of 100 entities, 100 relations
// of each and 100 relations of each of those, with their names: refused as
// FanOutQuery is, at a third of its depth.
const RelationsOfRelationsQuery = `{ entities(first: 100) { nodes { relations(first: 100) { nodes { relations(first: 100) { nodes { name } } } } } } }`
