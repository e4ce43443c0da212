#!/usr/bin/env bash
# Who may import what (docs/architecture.md), checked on the real import
# graph of the non-test code. Prints every breach and fails on any.
set -uo pipefail
cd "$(dirname "$0")/.."
mod=github.com/cardagent/cardagent
fail=0
breach() { echo "imports: $*"; fail=1; }

# Direct imports: "pkg imp imp …" per package.
while read -r pkg imports; do
	rel=${pkg#"$mod"}; rel=${rel#/}
	for imp in $imports; do
		case $imp in
		github.com/ebfe/scard*)
			[ "$rel" = reader ] || breach "$rel imports ebfe/scard (only reader may)" ;;
		fyne.io/*)
			case $rel in ui | ui/* | assets | assets/* | cmd/cardagent | cmd/cardagent/*) ;;
			*) breach "$rel imports Fyne (only ui, assets and cmd/cardagent may)" ;;
			esac ;;
		esac
	done
done < <(go list -f '{{.ImportPath}} {{join .Imports " "}}' ./...)

# Transitive: backend code reaches no agent code; api is the standard
# library only; the desktop binary links no server-only store or metrics.
# The test support and the load generator play the agent's side, so they
# may use its client too (and nothing else of the agent).
for pkg in $(go list ./backend/...); do
	allowed="^$mod/(backend|api$)"
	case ${pkg#"$mod"/} in backend/internal/testenv | backend/loadtest) allowed="^$mod/(backend|api$|client$)" ;; esac
	for dep in $(go list -deps "$pkg" | grep "^$mod/" | grep -Ev "$allowed"); do
		breach "${pkg#"$mod"/} reaches ${dep#"$mod"/} (backend shares only api with the agent)"
	done
done
for dep in $(go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./api | grep -v "^$mod/api$"); do
	breach "api reaches $dep (standard library only)"
done
for dep in $(go list -deps ./cmd/cardagent | grep -E 'pgx|goose|prometheus'); do
	breach "cmd/cardagent links $dep"
done
exit $fail
