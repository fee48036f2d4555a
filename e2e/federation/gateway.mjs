// tupu as an Apollo Federation v2 subgraph, run by the Go test in cmd/tupu
// against the real program:
//
//   TUPU_GRAPHQL_URL=http://127.0.0.1:8080/graphql node gateway.mjs
//
// It starts a second subgraph, reviews (reviews.graphql over the fixture
// reviews.json, with @apollo/subgraph), and Apollo Gateway composing the
// two from their _service SDL (IntrospectAndCompose), all on 127.0.0.1,
// sends the gateway queries that cross both subgraphs, and prints the
// answers, one JSON object on the last line, for the Go test to judge.
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';

const tupu = process.env.TUPU_GRAPHQL_URL;
if (!tupu) throw new Error('TUPU_GRAPHQL_URL is not set');
const listen = { host: '127.0.0.1', port: 0 };

// The reviews subgraph: a field of tupu's Company, and references to it.
const { reviews } = JSON.parse(readFileSync('reviews.json', 'utf8'));
const reviewsServer = new ApolloServer({
  schema: buildSubgraphSchema([{
    typeDefs: parse(readFileSync('reviews.graphql', 'utf8')),
    resolvers: {
      Query: { reviews: () => reviews },
      Review: { company: (r) => ({ __typename: 'Company', id: r.company.id }) },
      Company: {
        // The gateway hands over {__typename, id} of a company of tupu's.
        __resolveReference: (ref) => ({ id: ref.id }),
        reviews: (c) => reviews.filter((r) => r.company.id === c.id),
      },
    },
  }]),
});
const { url: reviewsURL } = await startStandaloneServer(reviewsServer, { listen });

// The gateway: both subgraphs, composed from their SDL.
const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: 'tupu', url: tupu },
      { name: 'reviews', url: reviewsURL },
    ],
  }),
});
const gatewayServer = new ApolloServer({ gateway });
const { url: gatewayURL } = await startStandaloneServer(gatewayServer, { listen });

async function ask(query, variables) {
  const res = await fetch(gatewayURL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

const out = {};
try {
  // From tupu to reviews: tupu's entity and companies, with the reviews
  // the other subgraph has of them.
  out.tupuThenReviews = await ask(`query TupuThenReviews($key: String!) {
    entity(key: $key) {
      name
      ... on Company { nameEn reviews { stars body } labs(first: 10) { nodes { name } } }
    }
    companies(first: 50) { nodes { key reviews { stars } } }
  }`, { key: 'thundersoft-chongqing' });

  // From reviews to tupu: the reviews, and for each the company tupu has,
  // down its relations (the gateway asks tupu's _entities for them).
  out.reviewsThenTupu = await ask(`query ReviewsThenTupu {
    reviews {
      id
      stars
      company {
        id
        name
        nameEn
        parks(first: 5) { nodes { name district { name } } }
        labs(first: 5) { nodes { name partners(first: 5) { nodes { name } } } }
      }
    }
  }`);
} finally {
  await gatewayServer.stop();
  await reviewsServer.stop();
}
console.log(JSON.stringify(out));
