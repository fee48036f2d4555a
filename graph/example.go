package graph

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
