// The graphql-sse client (distinct connections mode) asks for the park's
// page query over server-sent events; prints every result it got, as
// JSON, for the Go test (cmd/tupu) to judge.
//
//   TUPU_GRAPHQL_URL=http://127.0.0.1:8080/graphql node sse-defer.mjs
import { readFileSync } from 'node:fs';
import { createClient } from 'graphql-sse';

const client = createClient({ url: process.env.TUPU_GRAPHQL_URL, retryAttempts: 0 });
const query = readFileSync('src/operations/ParkWithCompanies.graphql', 'utf8');
const results = [];
for await (const result of client.iterate({ query, variables: { key: 'xiantao-data-valley' } })) {
  results.push(result);
}
client.dispose();
console.log(JSON.stringify(results));
