#!/usr/bin/env bash
# fetch.sh re-fetches the GraphiQL playground assets in this directory from the
# npm registry (npm pack into a temp dir, extract, copy) and checks every file
# against its pinned SRI hash (sha256, base64, as in the page's integrity=).
#
# Usage: bash third_party/graphiql/fetch.sh     (needs npm, tar, openssl)
#
# The versions and hashes are those that gqlgen's graphql/playground/playground.go
# (gqlgen v0.17.98) pins for its CDN URLs; after a gqlgen upgrade, update them
# here, in embed.go and in README.md, then re-run this script and the tests.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

sri() { printf 'sha256-%s' "$(openssl dgst -sha256 -binary "$1" | openssl base64 -A)"; }

status=0

# fetch PACKAGE@VERSION DIR [FILE-IN-PACKAGE SRI]...
fetch() {
  local pkg="$1" dir="$2"
  shift 2
  echo "== $pkg -> $dir/"
  mkdir -p "$tmp/$dir" "$here/$dir"
  local tgz
  tgz="$(cd "$tmp/$dir" && npm pack --silent "$pkg" | tail -n1)"
  tar -xzf "$tmp/$dir/$tgz" -C "$tmp/$dir"      # -> $tmp/$dir/package/
  if [ -f "$tmp/$dir/package/LICENSE" ]; then
    cp "$tmp/$dir/package/LICENSE" "$here/$dir/LICENSE"
  fi
  while [ $# -gt 0 ]; do
    local src="$1" want="$2" name
    shift 2
    name="$(basename "$src")"
    cp "$tmp/$dir/package/$src" "$here/$dir/$name"
    local got
    got="$(sri "$here/$dir/$name")"
    if [ "$got" = "$want" ]; then
      echo "   ok  $name  $got"
    else
      echo "   SRI MISMATCH $name: got $got, want $want" >&2
      status=1
    fi
  done
}

fetch graphiql@4.1.2 graphiql-4.1.2 \
  graphiql.min.js  sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs= \
  graphiql.min.css sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU=
fetch react@18.2.0 react-18.2.0 \
  umd/react.production.min.js sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY=
fetch react-dom@18.2.0 react-dom-18.2.0 \
  umd/react-dom.production.min.js sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc=
# gqlgen loads the explorer CSS as jsDelivr's on-the-fly minification
# "dist/style.min.css" (sha256-b0izygy8aEMY3fCLmtNkm9PKdE3kRD4Qjn6Q8gw5xKI=),
# which is not in the npm package; we ship the package's own dist/style.css
# (already minified) and pin its hash ourselves.
fetch @graphiql/plugin-explorer@4.0.6 plugin-explorer-4.0.6 \
  dist/index.umd.js sha256-UM8sWOS0Xa9yLY85q6Clh0pF4qpxX+TOcJ41flECqBs= \
  dist/style.css    sha256-aJCaSuI7+t/EWRrLTis8jU9EFTua5/o7fnwxnroxDvE=
# @graphiql/plugin-explorer ships no LICENSE file ("license": "MIT" in its
# package.json); it lives in the same monorepo (github.com/graphql/graphiql)
# under the same MIT license as graphiql, so use graphiql's text.
cp "$here/graphiql-4.1.2/LICENSE" "$here/plugin-explorer-4.0.6/LICENSE"
# Its UMD bundle includes graphiql-explorer (its dependency ^0.9.0), MIT too.
mkdir -p "$tmp/graphiql-explorer"
tgz="$(cd "$tmp/graphiql-explorer" && npm pack --silent graphiql-explorer@0.9.0 | tail -n1)"
tar -xzf "$tmp/graphiql-explorer/$tgz" -C "$tmp/graphiql-explorer"
cp "$tmp/graphiql-explorer/package/LICENSE" "$here/plugin-explorer-4.0.6/LICENSE.graphiql-explorer"

exit $status
