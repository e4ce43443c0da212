#!/usr/bin/env bash
# gofmt and go vet, failing on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null))
if [ -n "$unformatted" ]; then
	echo "gofmt: these files need formatting:"
	echo "$unformatted"
	exit 1
fi
go vet ./... && go vet -tags e2e ./e2e/...
