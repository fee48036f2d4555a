#!/usr/bin/env bash
# Makes the explorer's screenshots in docs/img (search.png, entity.png,
# graph.png) from the running service: the explorer's browser test starts
# tupu on a fresh, seeded database on 127.0.0.1, walks the explorer in
# headless Chromium and saves a picture at each of those steps.
# Needs Debian's chromium and fonts-wqy-microhei (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/img
TUPU_EXPLORER_SCREENSHOTS="$PWD/docs/img" go test -count=1 -run '^TestBrowser_explorer$' -v ./cmd/tupu | grep -E 'screenshot|time to|^(ok|FAIL|---)'
