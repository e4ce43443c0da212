#!/usr/bin/env bash
# make test: start the rigs, run every test, stop the rigs even on failure.
set -uo pipefail
cd "$(dirname "$0")/.."

rig=$(mktemp -d /tmp/cardagent-rig.XXXXXX)
cleanup() {
	[ -x scripts/pg-rig.sh ] && scripts/pg-rig.sh stop "$rig/pg" >/dev/null 2>&1
	rm -rf "$rig"
}
trap cleanup EXIT INT TERM

# Each test binary that needs pcscd starts its own isolated one on free ports
# (testkit.MainWithPCSC in internal/testkit), so only the shared database is started here.
set -e
if [ -x scripts/pg-rig.sh ]; then
	eval "$(scripts/pg-rig.sh start "$rig/pg")"
fi
set +e
export CARDAGENT_RIGS=1 CARDAGENT_RIG_DIR="$rig"
export LANG=${LANG:-C.UTF-8} # Fyne wants a parseable locale

status=0
step() {
	echo "== $*"
	"$@" || status=1
}
step scripts/lint.sh
step go test -race -count=1 -timeout 15m ./...
# e2e runs in a private D-Bus session with an unlocked gnome-keyring: a real Secret Service.
step dbus-run-session -- scripts/with-keyring.sh go test -race -count=1 -timeout 15m -tags e2e ./e2e/...
if [ $status -ne 0 ]; then
	echo "make test: FAILED"
else
	echo "make test: all passed"
fi
exit $status
