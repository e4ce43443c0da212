#!/usr/bin/env bash
# The PC/SC test rig: a private pcscd with two vpcd virtual readers.
#
#   scripts/pcsc-rig.sh start DIR [PORT]   start pcscd; vpcd readers listen on PORT and PORT+1
#                                          (PORT "none": a pcscd with no reader at all)
#   scripts/pcsc-rig.sh env DIR            print the exports clients need
#   scripts/pcsc-rig.sh stop DIR           stop what 'start' started (by PID), remove nothing else
#
# pcscd 1.9.9 always binds /run/pcscd/pcscd.comm and ignores PCSCLITE_CSOCK_NAME (only the
# client library reads it). So we run it in a private mount namespace with DIR/run bound over
# /run, and point clients at DIR/run/pcscd/pcscd.comm. Several rigs then coexist with each other
# and with a system pcscd. Where unshare is not permitted we fall back to the system socket.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
port=${3:-35963}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|env DIR [PORT]" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

vpcd_lib=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
deadline_s=${PCSC_RIG_TIMEOUT:-15}

socket_of() { cat "$dir/socket" 2>/dev/null || echo /run/pcscd/pcscd.comm; }

print_env() {
	echo "export PCSCLITE_CSOCK_NAME=$(socket_of)"
	echo "export CARDAGENT_VPCD_PORT=$(cat "$dir/port" 2>/dev/null || echo "$port")"
}

# wait_readers polls until pcscd lists the vpcd readers, or fails at the deadline.
wait_readers() {
	local end=$((SECONDS + deadline_s))
	while [ $SECONDS -lt $end ]; do
		if PCSCLITE_CSOCK_NAME=$(socket_of) opensc-tool -l 2>/dev/null | grep -q 'Virtual PCD'; then
			return 0
		fi
		if [ -f "$dir/pcscd.pid" ] && ! kill -0 "$(cat "$dir/pcscd.pid")" 2>/dev/null; then
			echo "pcsc-rig: pcscd exited; its log:" >&2
			tail -n 20 "$dir/pcscd.log" >&2 || true
			return 1
		fi
		sleep 0.1
	done
	echo "pcsc-rig: no vpcd reader within ${deadline_s}s; pcscd log:" >&2
	tail -n 20 "$dir/pcscd.log" >&2 || true
	return 1
}

# wait_service polls until pcscd answers at all (for a rig with no readers).
wait_service() {
	local end=$((SECONDS + deadline_s))
	while [ $SECONDS -lt $end ]; do
		PCSCLITE_CSOCK_NAME=$(socket_of) opensc-tool -l >/dev/null 2>&1 && return 0
		[ -S "$(socket_of)" ] && return 0
		sleep 0.1
	done
	echo "pcsc-rig: pcscd did not start within ${deadline_s}s" >&2
	return 1
}

start() {
	if [ -f "$dir/pcscd.pid" ] && kill -0 "$(cat "$dir/pcscd.pid")" 2>/dev/null; then
		echo "pcsc-rig: already running (pid $(cat "$dir/pcscd.pid"))" >&2
		print_env
		return 0
	fi
	[ -e "$vpcd_lib" ] || { echo "pcsc-rig: $vpcd_lib missing: run 'make deps'" >&2; exit 1; }
	# A pcscd that was killed leaves its socket and pid file behind and the next one refuses
	# to start; nothing else uses this private directory, so clear it.
	rm -rf "$dir/run/pcscd"
	mkdir -p "$dir/run/pcscd"
	if [ "$port" = none ]; then
		: >"$dir/reader.conf"
	else
		cat >"$dir/reader.conf" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x$(printf '%X' "$port")
LIBPATH      $vpcd_lib
CHANNELID    0x$(printf '%X' "$port")
CONF
	fi
	echo "$port" >"$dir/port"
	if unshare -m true 2>/dev/null; then
		echo "$dir/run/pcscd/pcscd.comm" >"$dir/socket"
		# setsid: its own process group, so a test killing the rig never hits the caller.
		setsid unshare -m sh -c "mount --bind '$dir/run' /run && exec pcscd -f -c '$dir/reader.conf'" \
			>"$dir/pcscd.log" 2>&1 </dev/null &
		echo $! >"$dir/pcscd.pid"
	else
		echo "pcsc-rig: unshare not permitted; using the system pcscd socket" >&2
		echo /run/pcscd/pcscd.comm >"$dir/socket"
		if ! pgrep -x pcscd >/dev/null; then
			mkdir -p /run/pcscd
			setsid pcscd -f -c "$dir/reader.conf" >"$dir/pcscd.log" 2>&1 </dev/null &
			echo $! >"$dir/pcscd.pid"
		fi
	fi
	if [ "$port" = none ]; then
		wait_service
	else
		wait_readers
	fi
	print_env
}

stop() {
	local pidfile="$dir/pcscd.pid"
	[ -f "$pidfile" ] || return 0
	local pid
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		local end=$((SECONDS + 5))
		while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.05; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

case "$cmd" in
start) start ;;
stop) stop ;;
env) print_env ;;
*) echo "usage: $0 start|stop|env DIR [PORT]" >&2; exit 2 ;;
esac
