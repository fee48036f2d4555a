// Apollo Client's own @defer support against a running tupu: the park's
// page query (src/operations/ParkWithCompanies.graphql), watched as a
// frontend watches it. Prints every result the client emitted, as JSON,
// for the Go test (cmd/tupu) to judge.
//
//   TUPU_GRAPHQL_URL=http://127.0.0.1:8080/graphql node apollo-defer.mjs
import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';

const client = new ApolloClient({
  link: new HttpLink({ uri: process.env.TUPU_GRAPHQL_URL }),
  cache: new InMemoryCache(),
  incrementalHandler: new Defer20220824Handler(),
});
const query = gql(readFileSync('src/operations/ParkWithCompanies.graphql', 'utf8'));

const results = [];
await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no complete result within 20 s')), 20000);
  const sub = client
    .watchQuery({ query, variables: { key: 'xiantao-data-valley' }, fetchPolicy: 'network-only' })
    .subscribe({
      next(r) {
        results.push({ dataState: r.dataState, loading: r.loading, data: r.data ?? null, error: r.error ? String(r.error) : null });
        if (r.dataState === 'complete' || r.error) {
          clearTimeout(timer);
          sub.unsubscribe();
          resolve();
        }
      },
      error(e) {
        clearTimeout(timer);
        reject(e);
      },
    });
});
console.log(JSON.stringify(results));
