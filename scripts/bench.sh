#!/usr/bin/env bash
# make bench: every benchmark (lock, prompt and login latency, idle CPU, a renewal on the card, identityd throughput and
# renewal storms). Results go to stdout and to bench-results.txt. BENCH_PULLS sets the card pulls for the latency run
# (default 200), BENCH_RENEWALS the renewals of the card (default 200), BENCH_AUDIT_RECORDS the audit trail searched
# (default 1,000,000), BENCH_API_STORM the renewals of the storm over
# the API (default 20000, 60 s at most a store); BENCH_SHORT=1 makes every run short (a smoke test of the measuring code).
set -uo pipefail
cd "$(dirname "$0")/.."
out=bench-results.txt
pulls=${BENCH_PULLS:-200}
renewals=${BENCH_RENEWALS:-200}
short=()
auditn=${BENCH_AUDIT_RECORDS:-1000000}
auditq=1000
[ "${BENCH_SHORT:-0}" = 1 ] && { pulls=5; renewals=5; short=(-short); auditn=20000; auditq=50; }
export CARDAGENT_RIGS=1

{
	echo "# cardagent benchmarks, $(date -u +%FT%TZ), $(nproc) cores, $(go version | cut -d' ' -f3)"
	echo "## pure-Go benchmarks (apdu, piv against the in-process card, backend)"
	go test -run '^$' -bench . -benchmem "${short[@]}" ./... 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)' | grep -v 'no test files' || true
	echo "## removal/insert latency through pcscd + vpcd, $pulls pulls"
	go test -tags e2e -run '^$' -bench RemovalInsertLatency -benchtime "${pulls}x" -timeout 30m ./reader/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)'
	echo "## monitor idle CPU (60 s; 5 s with BENCH_SHORT=1)"
	go test -tags e2e -run '^$' -bench MonitorIdleCPU -benchtime 1x "${short[@]}" ./reader/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)'
	echo "## agent through pcscd + vcard + session + Fyne UI + identityd"
	go test -tags e2e -run '^$' -bench AgentLockInsertLogin -benchtime "$((pulls / 4 + 1))x" -timeout 30m ./cmd/cardagent/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)'
	echo "## a renewal on the card through pcscd + vcard + identityd, $renewals renewals: each logs in, opens a renewal and"
	echo "## runs renewal.Run; renewal-p50/p99 its wall time, apdus/renewal, the split of that time: card (inside Transmit:"
	echo "## pcscd + vpcd + the card), identityd (inside its calls over HTTPS), agent (the rest), as p50/p99 and % of the total"
	go test -tags e2e -run '^$' -bench RenewalOnTheCard -benchtime "${renewals}x" -timeout 30m ./cmd/cardagent/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)'
	echo "## a self-service unlock on the card through pcscd + vcard + identityd (codes to a mailbox directory), $renewals unlocks:"
	echo "## each blocks the card (not timed), then requests a code, sends it back and runs unlock.OnCard (mutual 9B relay,"
	echo "## RESET RETRY COUNTER, new PUK) and the completion; unlock-p50/p99, apdus/unlock, and the card/identityd/agent split"
	go test -tags e2e -run '^$' -bench UnlockOnTheCard -benchtime "${renewals}x" -timeout 30m ./cmd/cardagent/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)'
	echo "## an administrator's card work through pcscd + two vcards + identityd, the RA's card in reader 0: enrolment issues a"
	echo "## factory-fresh card each time (inserted, not timed: identityd's enrolment, Personalise, renewal.Run); f2f-unlock"
	echo "## blocks the clinician's card (not timed) and unlocks it face to face; p50/p99, APDUs and the card/identityd/agent split"
	go test -tags e2e -run '^$' -bench 'AdminEnrolment|AdminUnlockFaceToFace' -benchtime "$(((renewals + 1) / 2))x" -timeout 30m ./cmd/cardagent/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)'
	echo "## a clinical web app locked by a card pull: examples/wardnotes in headless Chromium beside the real agent's window,"
	echo "## from the card leaving vpcd to the browser showing the app's locked page ($((pulls / 20 + 1)) runs of the e2e test), ms"
	times=$(mktemp)
	CARDAGENT_PULL_TIMES=$times dbus-run-session -- go test -tags e2e -run 'TestClinicalAppInBrowser$' -count "$((pulls / 20 + 1))" \
		-timeout 30m ./e2e/ 2>&1 | grep -E '^(ok|FAIL|---)'
	python3 -c 'import json,sys; t=sorted(json.loads(l)["pull_to_locked_ms"] for l in open(sys.argv[1]) if l.strip())
print("pull-to-locked-page ms: n=%d p50=%d max=%d (all: %s)" % (len(t), t[len(t)//2], t[-1], " ".join(map(str, t))) if t else "no runs")' "$times"
	rm -f "$times"
	echo "## the real cardagent binary under Xvfb: cold start, idle CPU, RSS"
	BENCH_IDLE=$([ "${BENCH_SHORT:-0}" = 1 ] && echo 5 || echo 60) scripts/bench-agent.sh
	echo "## identityd: logins/s, no-op ratio; the renewal storm over the HTTPS API (software cards driving the whole protocol"
	echo "## with the agent's client) against the crypto floor, with the projected 230,000, where the CPU went (identityd, the"
	echo "## load generator, the rest of the machine: the database server and anything else running) per renewal, what identityd"
	echo "## alone would sustain per core, and write transactions per commit (group commit); the direct-call storm"
	echo "## (svc.RenewCard, no HTTP: the CA and store path alone); SQLite and PostgreSQL"
	rig=$(mktemp -d /tmp/cardagent-bench.XXXXXX)
	eval "$(scripts/pg-rig.sh start "$rig/pg")"
	echo "## the audit view's searches over a trail of $auditn records appended as identityd writes them (SQLite, then"
	echo "## PostgreSQL): a user's, a card's and an administrator's last 50, and one day's first 50; p50/p99 per search"
	for pkg in sqlite postgres; do
		CARDAGENT_BENCH_AUDIT=1 CARDAGENT_BENCH_AUDIT_RECORDS=$auditn go test -v -run '^$' -bench AuditSearch -benchtime "${auditq}x" \
			-timeout 30m ./backend/store/$pkg/ 2>&1 | grep -E '^(Benchmark.*-[0-9]+ |ok|FAIL|---)|records appended'
	done
	storm=${BENCH_STORM:-30000}
	apistorm=${BENCH_API_STORM:-20000}
	[ "${BENCH_SHORT:-0}" = 1 ] && { storm=1000; apistorm=500; }
	go run ./cmd/identityd-bench -duration "${BENCH_DURATION:-8s}" -storm "$storm" -api-storm "$apistorm" -api-storm-max 60s 2>&1
	scripts/pg-rig.sh stop "$rig/pg" >/dev/null
	rm -rf "$rig"
} | tee "$out"
