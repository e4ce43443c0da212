#!/usr/bin/env bash
# pg-rig.sh start|stop|env DIR — a throwaway PostgreSQL 15 for the tests.
#
#   start DIR  initdb a cluster in DIR/pg (as the postgres user), listen on
#              127.0.0.1 only on a free port (from 55432 up), trust auth for
#              loopback, wait until it accepts connections, create the
#              database "cardagent_test", and print the export line.
#   env DIR    print "export CARDAGENT_TEST_PG=postgres://…" for a running rig.
#   stop DIR   stop the cluster this script started in DIR and remove DIR/pg.
#
# Usage in make:  eval "$(scripts/pg-rig.sh start $(RIGDIR))" … scripts/pg-rig.sh stop $(RIGDIR)
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
	echo "usage: $0 start|stop|env DIR" >&2
	exit 2
fi

pgver=15
bindir=/usr/lib/postgresql/$pgver/bin
data=$dir/pg/data
portfile=$dir/pg/port
dbname=cardagent_test

log() { echo "pg-rig: $*" >&2; }

as_postgres() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

install_if_missing() {
	if [[ -x $bindir/initdb ]]; then
		return
	fi
	log "installing postgresql-$pgver"
	if [[ $(id -u) -ne 0 ]]; then
		log "postgresql-$pgver is missing and only root can install it"
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq "postgresql-$pgver" >&2 || apt-get install -y -qq postgresql >&2
}

free_port() {
	local p
	for p in $(seq 55432 55532); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	log "no free port in 55432-55532"
	exit 1
}

dsn() { echo "postgres://postgres@127.0.0.1:$(cat "$portfile")/$dbname?sslmode=disable"; }

start() {
	install_if_missing
	if [[ -f $data/postmaster.pid ]]; then
		log "already running in $data"
		echo "export CARDAGENT_TEST_PG='$(dsn)'"
		return
	fi
	mkdir -p "$dir/pg"
	dir=$(cd "$dir" && pwd)
	data=$dir/pg/data portfile=$dir/pg/port
	if [[ $(id -u) -eq 0 ]]; then
		chown postgres: "$dir/pg"
		# The postgres user must be able to pass through DIR's ancestors
		# (mktemp -d makes them 0700): grant search, never read.
		local d=$dir
		while [[ $d != / ]]; do
			[[ $(stat -c %A "$d") == *x ]] || chmod o+x "$d"
			d=$(dirname "$d")
		done
	fi
	as_postgres "$bindir/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 >"$dir/pg/initdb.log" 2>&1 ||
		{ cat "$dir/pg/initdb.log" >&2; exit 1; }
	local port
	port=$(free_port)
	echo "$port" >"$portfile"
	# Loopback TCP only, no Unix socket outside the rig, fsync off: it is a
	# throwaway cluster.
	as_postgres "$bindir/pg_ctl" -D "$data" -l "$dir/pg/server.log" -s \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir/pg' -c fsync=off -c max_connections=200" start >&2
	local deadline=$((SECONDS + 30))
	until pg_isready -q -h 127.0.0.1 -p "$port"; do
		if ((SECONDS > deadline)); then
			log "PostgreSQL did not become ready in 30 s"
			cat "$dir/pg/server.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE $dbname" >&2
	log "PostgreSQL $pgver on 127.0.0.1:$port, data in $data"
	echo "export CARDAGENT_TEST_PG='$(dsn)'"
}

stop() {
	if [[ ! -d $data ]]; then
		log "nothing to stop in $dir"
		return
	fi
	if [[ -f $data/postmaster.pid ]]; then
		as_postgres "$bindir/pg_ctl" -D "$data" -s -m fast stop >&2 || true
	fi
	rm -rf "$dir/pg"
}

case $cmd in
start) start ;;
stop) stop ;;
env)
	[[ -f $portfile ]] || { log "no rig in $dir"; exit 1; }
	echo "export CARDAGENT_TEST_PG='$(dsn)'"
	;;
*)
	echo "usage: $0 start|stop|env DIR" >&2
	exit 2
	;;
esac
