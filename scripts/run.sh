#!/usr/bin/env bash
# make run: start the agent as a newcomer expects. With no configuration the agent runs its embedded
# demo backend and puts a demo card in the vpcd virtual reader; that needs a pcscd with vpcd, so if
# none is reachable we start a private one (scripts/pcsc-rig.sh) for the agent's lifetime.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=${LANG:-C.UTF-8}
[ "$LANG" = C ] && export LANG=C.UTF-8
rig=""
if [ -z "${PCSCLITE_CSOCK_NAME:-}" ] && ! [ -S /run/pcscd/pcscd.comm ]; then
	rig="${XDG_RUNTIME_DIR:-/tmp}/cardagent-pcsc-$(id -u)"
	echo "run: starting a private pcscd with the vpcd virtual readers ($rig)"
	eval "$(scripts/pcsc-rig.sh start "$rig" "${CARDAGENT_VPCD_PORT:-35963}")"
	trap 'scripts/pcsc-rig.sh stop "$rig"' EXIT
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	echo "run: no display here, so the journey runs in the terminal (demo passcode: 123456)."
	echo "     For the window, run under a desktop session (or: xvfb-run make run)."
	bin/cardagent login --no-gui "$@"
	exit
fi
bin/cardagent "$@"
