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
# The Windows build type-checks too. Fyne needs cgo there as well, so vet runs cgo with Debian's
# mingw-w64 compiler (make deps installs it); the first run compiles GLFW's C, later ones are cached.
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc go vet -tags migrated_fynedo ./... ||
	{ echo "GOOS=windows go vet failed"; exit 1; }
# api/openapi.yaml must be a valid OpenAPI 3 document (kin-openapi, the version go.mod pins).
go run github.com/getkin/kin-openapi/cmd/validate -multi api/openapi.yaml || { echo "api/openapi.yaml does not validate"; exit 1; }
scripts/imports.sh || exit 1
