#!/usr/bin/env bash
# Screenshots of every screen of the real cardagent binary, under Xvfb, at 1280x800 and 800x600:
#   scripts/screenshots.sh [OUT_DIR]        (default docs/screenshots)
# The journey is driven like a person would: virtual cards inserted and pulled in a vpcd reader of
# a private pcscd, keys typed with xdotool, a real identityd with the demo data behind it. Each step
# waits for the agent's own log line "state screen=NAME" before the picture is taken.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
mkdir -p "$out"
export LANG=C.UTF-8
work=$(mktemp -d /tmp/cardagent-shots.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	scripts/pcsc-rig.sh stop "$work/pcsc" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "screenshots: building"
go build -tags migrated_fynedo -o "$work/bin/" ./cmd/cardagent ./cmd/identityd ./cmd/vcard
bin=$work/bin

port=$((40000 + RANDOM % 20000))
idport=$((port + 2))
disp=$((100 + RANDOM % 800))

# identityd with the demo data. The demo certificates last 1000 h (~41 days), so every login
# falls inside the 90-day renewal window and the active screen shows the expiry alert.
mkdir -p "$work/id"
idflags=(-data-dir "$work/id" -db "sqlite:$work/id/db" -secret-file "$work/id/secret")
"$bin/identityd" demo -card-dir "$work/cards" -cert-validity 1000h -renewal-window 500h -sponsor-renewal-window 100h "${idflags[@]}" >/dev/null
idpid=""
start_identityd() {
	"$bin/identityd" serve -listen "127.0.0.1:$idport" "${idflags[@]}" >"$work/identityd.out" 2>&1 &
	idpid=$!
	pids+=("$idpid")
	for _ in $(seq 100); do grep -q 'pin this' "$work/identityd.out" && return 0; sleep 0.1; done
	echo "identityd did not start:" >&2
	cat "$work/identityd.out" >&2
	exit 1
}
start_identityd
url=$(grep -o 'https://[0-9.:]*' "$work/identityd.out" | head -1)
pin=$(grep -o 'pin this): .*' "$work/identityd.out" | cut -d' ' -f3)

# Cards: Dr Ada Demo's (passcode 123456) and a blank factory card (no certificates).
"$bin/vcard" init --state "$work/ada.json" --enrol-dir "$work/cards" --enrol-user 555000000001 --pin 123456 >/dev/null
"$bin/vcard" init --state "$work/blank.json" >/dev/null
card=""
insert() { # insert STATE_FILE
	"$bin/vcard" attach --state "$1" --port "$port" --reconnect >>"$work/vcard.log" 2>&1 &
	card=$!
	pids+=("$card")
}
pull() { kill "$card"; wait "$card" 2>/dev/null || true; card=""; }

Xvfb ":$disp" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=":$disp"
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done

# The agent starts before pcscd, to show the "service not running" screen first.
export PCSCLITE_CSOCK_NAME="$work/pcsc/run/pcscd/pcscd.comm" CARDAGENT_VPCD_PORT=$port
mkdir -p "$work/home"
HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" "$bin/cardagent" --backend "$url" --ca-pin "$pin" \
	--config "" --log-level debug 2>"$work/agent.log" &
pids+=($!)

mark=0
# wait_screen NAME: the next "state screen=NAME" line after the last mark.
wait_screen() {
	for _ in $(seq 150); do
		if tail -n +"$((mark + 1))" "$work/agent.log" | grep -q "screen=$1 "; then
			mark=$(grep -n "screen=$1 " "$work/agent.log" | tail -1 | cut -d: -f1)
			sleep 0.4 # let Fyne paint
			return 0
		fi
		sleep 0.1
	done
	echo "screenshots: no '$1' screen; agent log:" >&2
	tail -n 30 "$work/agent.log" >&2
	exit 1
}
win=""
shot() { # shot NAME
	[ -n "$win" ] || win=$(xdotool search --sync --name "NHS Smartcard" | head -1)
	for size in 1280x800 800x600; do
		xdotool windowsize "$win" "${size%x*}" "${size#*x}"
		sleep 0.5
		import -window "$win" "$out/$1-$size.png"
	done
	xdotool windowsize "$win" 1280 800
	echo "screenshots: $1"
}
typeln() { xdotool type --delay 40 "$1"; xdotool key Return; }

wait_screen no-service && shot no-service
scripts/pcsc-rig.sh start "$work/pcsc" "$port" >/dev/null
wait_screen insert-card && shot insert-card
insert "$work/blank.json"
wait_screen card-problem && shot card-problem
pull
wait_screen insert-card
insert "$work/ada.json"
wait_screen passcode && shot passcode
typeln 000000
wait_screen passcode && shot passcode-wrong
typeln 123456
wait_screen terms && shot terms
xdotool key space # Accept has the focus
wait_screen roles && shot roles
xdotool key Down Return
wait_screen active && shot active
pull
wait_screen locked && shot locked
kill "$idpid"
wait "$idpid" 2>/dev/null || true
insert "$work/ada.json"
wait_screen passcode
typeln 123456
wait_screen backend-error && shot backend-error
pull
start_identityd
wait_screen insert-card
insert "$work/ada.json"
wait_screen passcode
for _ in 1 2; do typeln 999999 && wait_screen passcode; done
typeln 999999
wait_screen blocked && shot blocked
echo "screenshots: written to $out"
