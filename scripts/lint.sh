#!/usr/bin/env bash
# gofmt, go vet and the OpenAPI document, failing on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null))
if [ -n "$unformatted" ]; then
	echo "gofmt: these files need formatting:"
	echo "$unformatted"
	exit 1
fi
go vet ./... && go vet -tags e2e ./e2e/... || exit 1
# api/openapi.yaml must be a valid OpenAPI 3 document (kin-openapi, the version go.mod pins).
go run github.com/getkin/kin-openapi/cmd/validate -multi api/openapi.yaml || { echo "api/openapi.yaml does not validate"; exit 1; }
scripts/imports.sh || exit 1
