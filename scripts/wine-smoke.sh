#!/usr/bin/env bash
# Start the Windows build under Debian's Wine: `cardagent.exe version` and `cardagent.exe doctor --json`.
# Where this Wine cannot start it at all, say why and stop without failing: that is Wine's limit, not the build's.
# Installs wine64 if missing.
set -uo pipefail
exe=${1:?usage: wine-smoke.sh cardagent.exe}
if [ ! -x /usr/lib/wine/wine64 ]; then
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wine64 >/dev/null
fi
export WINEPREFIX=${WINEPREFIX:-$(mktemp -d /tmp/cardagent-wine.XXXXXX)} WINEDEBUG=-all
out=$(timeout 300 /usr/lib/wine/wine64 "$exe" version 2>&1)
status=$?
if grep -q 'bcryptprimitives.dll not found' <<<"$out"; then
	echo "wine-smoke: SKIPPED — $(/usr/lib/wine/wine64 --version) has no bcryptprimitives.dll (ProcessPrng), which the Go"
	echo "            runtime loads before main on Windows (Go 1.22 and later): no Go program starts under it."
	exit 0
fi
if [ $status -ne 0 ] || [ -z "$out" ]; then
	echo "wine-smoke: cardagent.exe version failed ($status): $out"
	exit 1
fi
echo "wine-smoke: cardagent.exe version: $out"
report=$(timeout 300 /usr/lib/wine/wine64 "$exe" doctor --json 2>/dev/null)
if ! python3 -c 'import json,sys; r=json.load(sys.stdin); print("wine-smoke: doctor --json:", {k: r[k] for k in list(r)[:4]})' <<<"$report"; then
	echo "wine-smoke: doctor --json did not print a JSON report: $report"
	exit 1
fi
