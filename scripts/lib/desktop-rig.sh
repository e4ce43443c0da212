# Sourced by the scripts that drive the real agent under Xvfb (screenshots.sh, bench-agent.sh):
# a work dir cleaned on exit, the binaries, a private pcscd, a real identityd with the demo data,
# an X server. Everything started is stopped on exit, by PID.
#   rig_begin NAME            work dir and cleanup trap; sets $work, $bin, $port, $idport
#   rig_identityd [demo-flags] seed the demo data (cards in $work/cards) and serve; sets $url, $pin
#   rig_restart_identityd     serve again on the same port and store (after rig_stop_identityd)
#   rig_stop_identityd
#   rig_pcscd                 start pcscd with vpcd readers on $port/$port+1
#   rig_xvfb                  start Xvfb and export DISPLAY
#   wait_screen NAME [RE]     wait for the agent's "state screen=NAME" log line in $work/agent.log
#                             (and RE on the same line, e.g. card=verified)

rig_begin() {
	export LANG=C.UTF-8
	work=$(mktemp -d "/tmp/cardagent-$1.XXXXXX")
	rig_pids=()
	trap rig_cleanup EXIT
	go build -tags migrated_fynedo -o "$work/bin/" ./cmd/cardagent ./cmd/identityd ./cmd/vcard ./cmd/cardagent/internal/fynefloor
	bin=$work/bin
	port=$((40000 + RANDOM % 20000))
	idport=$((port + 2))
	mkdir -p "$work/id" "$work/home"
	idflags=(-data-dir "$work/id" -db "sqlite:$work/id/db" -secret-file "$work/id/secret")
	mark=0
}

rig_cleanup() {
	for p in "${rig_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	scripts/pcsc-rig.sh stop "$work/pcsc" >/dev/null 2>&1 || true
	rm -rf "$work"
}

rig_identityd() {
	"$bin/identityd" demo -card-dir "$work/cards" "$@" "${idflags[@]}" >/dev/null
	rig_restart_identityd
	url=$(grep -o 'https://[0-9.:]*' "$work/identityd.out" | head -1)
	pin=$(grep -o 'by agents): .*' "$work/identityd.out" | cut -d' ' -f3)
}

rig_restart_identityd() {
	"$bin/identityd" serve -listen "127.0.0.1:$idport" "${idflags[@]}" >"$work/identityd.out" 2>&1 &
	idpid=$!
	rig_pids+=("$idpid")
	for _ in $(seq 100); do grep -q 'CA fingerprint' "$work/identityd.out" && return 0; sleep 0.1; done
	echo "identityd did not start:" >&2
	cat "$work/identityd.out" >&2
	exit 1
}

rig_stop_identityd() {
	kill "$idpid"
	wait "$idpid" 2>/dev/null || true
}

rig_pcscd() { scripts/pcsc-rig.sh start "$work/pcsc" "$port" >/dev/null; }

rig_xvfb() {
	local disp=$((100 + RANDOM % 800))
	Xvfb ":$disp" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
	rig_pids+=($!)
	export DISPLAY=":$disp"
	for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "Xvfb did not start" >&2
	exit 1
}

wait_screen() {
	local re="screen=$1 .*${2:-}"
	for _ in $(seq 150); do
		if tail -n +"$((mark + 1))" "$work/agent.log" | grep -q "$re"; then
			mark=$(grep -n "$re" "$work/agent.log" | tail -1 | cut -d: -f1)
			sleep 0.4 # let Fyne paint
			return 0
		fi
		sleep 0.1
	done
	echo "no '$1' screen; agent log:" >&2
	tail -n 30 "$work/agent.log" >&2
	exit 1
}
