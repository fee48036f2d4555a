// Runs the graphql-http audit suite (the GraphQL over HTTP spec's audits)
// against a running server and prints one line per audit:
//
//	<status> <MUST|SHOULD|MAY> <id> <name>[: <reason>]
//
// then, for each failing MUST or SHOULD audit, the response it got, and
// last a summary line "N passed, N failed" that counts the MUST and SHOULD
// audits. A MAY audit is printed but never counts as a failure. Exits 1 if
// any MUST or SHOULD audit is not ok, 2 if the audit could not run.
//
//	node audit.mjs http://127.0.0.1:8080/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node audit.mjs URL   (e.g. http://127.0.0.1:8080/graphql)');
  process.exit(2);
}

// No audit may hang on a server that never answers.
const timeoutMs = Number(process.env.AUDIT_TIMEOUT_MS || 15000);
const fetchFn = (input, init = {}) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });

let results;
try {
  results = await auditServer({ url, fetchFn });
} catch (err) {
  console.error(`the audit could not run against ${url}: ${err?.cause?.message || err?.message || err}`);
  process.exit(2);
}

const levelOf = (name) => name.split(' ', 1)[0];
const counted = (r) => ['MUST', 'SHOULD'].includes(levelOf(r.name));

let passed = 0;
const failed = [];
for (const r of results) {
  const level = levelOf(r.name);
  const name = r.name.slice(level.length + 1);
  const reason = r.status === 'ok' ? '' : `: ${r.reason}`;
  console.log(`${r.status.padEnd(6)} ${level.padEnd(6)} ${r.id} ${name}${reason}`);
  if (!counted(r)) continue;
  if (r.status === 'ok') passed++;
  else failed.push(r);
}

// What the server answered to each failing MUST or SHOULD audit.
if (failed.length > 0) {
  console.log('');
  console.log('responses to the failing MUST and SHOULD audits:');
  for (const r of failed) {
    console.log(`  ${r.id}: ${await describe(r.response)}`);
  }
  console.log('');
}

console.log(`${passed} passed, ${failed.length} failed`);
process.exit(failed.length > 0 ? 1 : 0);

async function describe(res) {
  if (!res) return '(no response)';
  let body = '(body already read)';
  if (!res.bodyUsed) {
    try {
      body = (await res.text()).replace(/\s*\n\s*/g, ' ');
    } catch (err) {
      body = `(body unreadable: ${err.message})`;
    }
  }
  if (body.length > 400) body = body.slice(0, 400) + '…';
  return `HTTP ${res.status}, Content-Type: ${res.headers.get('content-type') ?? '(none)'}, body: ${body}`;
}
