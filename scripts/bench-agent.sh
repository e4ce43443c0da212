#!/usr/bin/env bash
# The real cardagent binary under Xvfb: cold start to window shown, idle CPU over a window of
# BENCH_IDLE seconds (default 60), and RSS — on the insert-card screen and on the active screen.
# Prints plain lines for bench-results.txt. Needs Xvfb, xdotool and the pcscd rig (make deps).
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${BENCH_IDLE:-60}
runs=${BENCH_STARTS:-10}
. scripts/lib/desktop-rig.sh
rig_begin benchagent
rig_pcscd
export PCSCLITE_CSOCK_NAME="$work/pcsc/run/pcscd/pcscd.comm" CARDAGENT_VPCD_PORT=$port
rig_identityd
rig_xvfb
agent() { exec env HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" "$bin/cardagent" --backend "$url" --ca-pin "$pin" --config "" "$@"; }

# Cold start: exec → the window is mapped (xdotool --sync waits for it).
starts=()
for _ in $(seq "$runs"); do
	t0=$(date +%s%N)
	agent 2>/dev/null &
	p=$!
	xdotool search --sync --onlyvisible --name "NHS Smartcard" >/dev/null
	t1=$(date +%s%N)
	starts+=($(((t1 - t0) / 1000000)))
	kill "$p"; wait "$p" 2>/dev/null || true
done
sorted=$(printf '%s\n' "${starts[@]}" | sort -n | tr '\n' ' ')
echo "cold start to window shown (ms, $runs runs, sorted): $sorted"

# cpu_ticks PID: utime+stime in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # measure LABEL PID
	local c0 c1 hz=$(getconf CLK_TCK)
	c0=$(cpu_ticks "$2"); sleep "$idle"; c1=$(cpu_ticks "$2")
	local rss=$(awk '/VmRSS/ {print $2}' "/proc/$2/status")
	awk -v l="$1" -v d="$((c1 - c0))" -v hz="$hz" -v s="$idle" -v rss="$rss" \
		'BEGIN { printf "idle %s: CPU %.3f %% over %d s, RSS %.1f MB\n", l, 100*d/hz/s, s, rss/1024 }'
}
# The floor: an empty Fyne window, measured the same way.
"$bin/fynefloor" >/dev/null 2>&1 &
fp=$!
rig_pids+=("$fp")
xdotool search --sync --onlyvisible --name "fynefloor" >/dev/null
sleep 2
measure "empty Fyne window (the floor)" "$fp"
kill "$fp"
# Where a hidden window's time goes: the same app, its window never shown.
"$bin/fynefloor" -hidden >/dev/null 2>&1 &
fp=$!
rig_pids+=("$fp")
sleep 2
measure "empty Fyne app, its window never shown" "$fp"
kill "$fp"

# Tray-resident (the tray lives on a session bus): hidden while waiting for a card.
bus=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
rig_pids+=("$(echo "$bus" | sed -n 2p)")
export DBUS_SESSION_BUS_ADDRESS=$(echo "$bus" | sed -n 1p)
agent --tray-resident on --log-level debug 2>"$work/agent.log" &
ap=$!
rig_pids+=("$ap")
wait_screen insert-card
sleep 2
if xdotool search --onlyvisible --name "NHS Smartcard" >/dev/null 2>&1; then
	echo "tray-resident: the window is shown while waiting for a card" >&2
	exit 1
fi
measure "tray-resident agent, window hidden, waiting for a card" "$ap"
kill "$ap"; wait "$ap" 2>/dev/null || true
mark=0
unset DBUS_SESSION_BUS_ADDRESS

agent --log-level debug 2>"$work/agent.log" &
ap=$!
rig_pids+=("$ap")
xdotool search --sync --onlyvisible --name "NHS Smartcard" >/dev/null
sleep 2
measure "insert-card screen" "$ap"

# Log in (demo card, passcode 735193) and idle on the active screen (the session clock ticks).
"$bin/vcard" init --state "$work/card.json" --enrol-dir "$work/cards" --enrol-user 555000000001 --pin 735193 >/dev/null
"$bin/vcard" attach --state "$work/card.json" --port "$port" >/dev/null 2>&1 &
rig_pids+=($!)
wait_screen passcode
xdotool type --delay 30 735193; xdotool key Return
wait_screen terms
xdotool key space
wait_screen roles
xdotool key Return
wait_screen active
sleep 2
measure "active screen (clock ticking)" "$ap"
