#!/usr/bin/env bash
# Builds tupu, serves it on a free loopback port with a throwaway database,
# runs the graphql-http audit against its /graphql endpoint and stops it.
# Exits with the audit's status (0 when every MUST and SHOULD audit passes).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# node_modules is missing (or a past install was cut short).
if [ ! -f "$here/node_modules/graphql-http/package.json" ]; then
  echo "== npm ci (graphql-http)" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build tupu" >&2
(cd "$root" && go build -o "$tmp/tupu" ./cmd/tupu)

# Port 0: the kernel picks a free port, and the log says which.
"$tmp/tupu" serve --addr 127.0.0.1:0 --db "$tmp/tupu.db" >"$tmp/log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 200); do
  url="$(grep -o 'url=http://127\.0\.0\.1:[0-9]*/' "$tmp/log" | head -n1 | cut -d= -f2 || true)"
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "tupu exited before serving:" >&2; cat "$tmp/log" >&2; exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "tupu did not start serving within 20s:" >&2; cat "$tmp/log" >&2; exit 1
fi

echo "== graphql-http audit of ${url}graphql" >&2
status=0
node "$here/audit.mjs" "${url}graphql" || status=$?
exit "$status"
