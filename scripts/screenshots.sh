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
. scripts/lib/desktop-rig.sh
echo "screenshots: building"
rig_begin shots
idflags+=(-mail-dir "$work/mailbox") # unlock codes land here as .eml files (no mail server)
# Unlocks ask two security questions before the code, so both the registration and the answers show.
idflags+=(-self-service-unlock email+questions)
# The demo certificates last 1000 h (~41 days), so every login falls inside the 90-day renewal
# window and the active screen shows the expiry alert.
rig_identityd -cert-validity 1000h -renewal-window 500h -sponsor-renewal-window 100h

# Cards: Dr Ada Demo's (passcode 123456), a blank factory card (no certificates), and a look-alike
# of Ada's card whose certificate another identityd's CA issued (a rogue card).
"$bin/vcard" init --state "$work/ada.json" --enrol-dir "$work/cards" --enrol-user 555000000001 --pin 123456 >/dev/null
"$bin/vcard" init --state "$work/blank.json" >/dev/null
"$bin/vcard" init --state "$work/sam.json" --enrol-dir "$work/cards" --enrol-user 555000000002 --pin 123456 >/dev/null
"$bin/identityd" demo -card-dir "$work/rogue-cards" -data-dir "$work/rogue" -db "sqlite:$work/rogue/db" -secret-file "$work/rogue/secret" >/dev/null
"$bin/vcard" init --state "$work/rogue.json" --enrol-dir "$work/rogue-cards" --enrol-user 555000000001 --pin 123456 >/dev/null
# The agent first meets no identityd, so it cannot check a card yet (the unverified prompt).
rig_stop_identityd
card=""
insert() { # insert STATE_FILE [VCARD_ATTACH_FLAGS…]
	"$bin/vcard" attach --state "$1" --port "$port" --reconnect "${@:2}" >>"$work/vcard.log" 2>&1 &
	card=$!
	rig_pids+=("$card")
}
pull() { kill "$card"; wait "$card" 2>/dev/null || true; card=""; }

rig_xvfb

# Ada has seen today's renewal reminder, so the active screen shows the alert with Renew now, and
# the popup opens from there.
mkdir -p "$work/home/.config/cardagent"
printf '{"555000000001":"%s","555000000002":"%s"}' "$(date +%F)" "$(date +%F)" >"$work/home/.config/cardagent/renewal-reminded.json"

# The agent starts before pcscd, to show the "service not running" screen first.
export PCSCLITE_CSOCK_NAME="$work/pcsc/run/pcscd/pcscd.comm" CARDAGENT_VPCD_PORT=$port
HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" "$bin/cardagent" --backend "$url" --ca-pin "$pin" \
	--config "" --log-level debug 2>"$work/agent.log" &
agentpid=$!
rig_pids+=("$agentpid")

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
scripts/pcsc-rig.sh start "$work/pcsc" none >/dev/null # pcscd, but no reader plugged in
wait_screen no-reader && shot no-reader
scripts/pcsc-rig.sh stop "$work/pcsc"
rig_pcscd
wait_screen insert-card && shot insert-card
insert "$work/ada.json"
wait_screen passcode card=unverified && shot passcode-unverified
pull
rig_restart_identityd
wait_screen insert-card
insert "$work/blank.json"
wait_screen card-problem && shot card-problem
pull
wait_screen insert-card
insert "$work/rogue.json"
wait_screen card-problem && shot card-rogue
pull
wait_screen insert-card
# Each key pair takes this card 4 s, as on a real card, so the renewal's progress can be seen.
insert "$work/ada.json" --keygen-time 4s
wait_screen passcode card=verified && shot passcode
typeln 000000
wait_screen passcode && shot passcode-wrong
typeln 123456
wait_screen terms && shot terms
xdotool key space # Accept has the focus
wait_screen roles && shot roles
xdotool key Down Return
wait_screen active && shot active
xdotool key Tab space # Renew now, the first button on the screen
wait_screen renew-passcode && shot renew-passcode
typeln 123456
wait_screen renewing && shot renewing
rig_stop_identityd # identityd goes away while the card makes its keys
wait_screen renew-failed && shot renew-failed
rig_restart_identityd
xdotool key Tab Tab space # Try again, after Close
wait_screen renew-passcode
typeln 123456
wait_screen renewed && shot renewed
xdotool key Tab space # Close, the popup's only button now
wait_screen active
xdotool key Tab space # Change passcode, the first button now the alert has gone
wait_screen change-passcode
typeln 000000 # a wrong current passcode (Enter goes from field to field)
typeln 482916
typeln 482916
wait_screen change-passcode && shot change-passcode
typeln 123456
typeln 482916
typeln 482916
wait_screen passcode-changed && shot passcode-changed
xdotool key space # Close has the focus
wait_screen active
code() { tr -d '\r' <"$(ls -t "$work"/mailbox/*.eml | head -1)" | grep -o -E '^ +[0-9]{8} *$' | tr -d ' '; }
# Security questions: four chosen with the arrow keys (Right picks the next question), each answered.
declare -A answer=([q01]="Biscuit" [q03]="Mill Lane" [q07]="St Albans" [q13]="Hillside Primary")
xdotool key Tab space # Security questions…: Change passcode keeps the focus once its popup closes
wait_screen questions
for n in 1 3 7 13; do
	for _ in $(seq "$n"); do xdotool key Right; done
	xdotool key Tab
	typeln "${answer[$(printf 'q%02d' "$n")]}" # Enter goes on to the next question
done
sleep 0.5
shot questions
typeln 482916 # the passcode, changed above
wait_screen questions-code && shot questions-code
typeln "$(code)"
wait_screen questions-saved && shot questions-saved
xdotool key space # Close has the focus
wait_screen active
pull
wait_screen locked && shot locked
rig_stop_identityd
insert "$work/ada.json"
wait_screen passcode
typeln 482916
wait_screen backend-error && shot backend-error
pull
rig_restart_identityd
wait_screen insert-card
insert "$work/ada.json"
wait_screen passcode
for _ in 1 2; do typeln 999999 && wait_screen passcode; done
typeln 999999
wait_screen blocked && shot blocked
# asked: the answers to the two questions the agent says it asks (its log names their ids).
asked() {
	local ids
	ids=$(grep -o 'unlock asks security questions.*questions="\?\[[^]]*' "$work/agent.log" | tail -1 | grep -o 'q[0-9][0-9]')
	for id in $ids; do typeln "${answer[$id]}"; done
}
xdotool key Tab space # Unlock my card, the screen's only button
wait_screen unlock-questions
typeln Rover # wrong answers first
typeln "Mill Road"
wait_screen unlock-questions && shot unlock-questions
asked
wait_screen unlock-code
typeln 00000000 # a wrong code first
wait_screen unlock-code && shot unlock-code
typeln 00000000
wait_screen unlock-code
typeln 00000000 # the third wrong code voids it
wait_screen unlock-failed && shot unlock-failed
xdotool key space # Send a new code has the focus: the questions again
wait_screen unlock-questions
asked
wait_screen unlock-code
typeln "$(code)"
wait_screen unlock-passcode && shot unlock-passcode
typeln 135790
typeln 135790
wait_screen unlocked && shot unlocked
# Three wrong attempts leave only a face-to-face unlock.
xdotool key space # Continue
wait_screen passcode
for _ in 1 2; do typeln 999999 && wait_screen passcode; done
typeln 999999
wait_screen blocked
xdotool key Tab space
wait_screen unlock-questions
for _ in 1 2; do
	typeln Rover
	typeln "Mill Road"
	wait_screen unlock-questions
done
typeln Rover
typeln "Mill Road"
wait_screen unlock-failed && shot unlock-face-to-face
# Admin mode: Sam Demo (RA and LSA) logs in as an RA with his card in reader 0; Ada's locked card goes in
# reader 1, and he unlocks it face to face while she types her new passcode.
xdotool key space # Close
wait_screen blocked
pull
wait_screen insert-card
insert "$work/sam.json" # the administrator's own card first: it is the one that holds the session
wait_screen passcode
typeln 123456
wait_screen terms
xdotool key space # Accept
wait_screen roles
xdotool key Down Return # his second role, the RA's: it may unlock, repair and renew
wait_screen active && shot active-admin
"$bin/vcard" attach --state "$work/ada.json" --port "$((port + 1))" --reconnect >>"$work/vcard.log" 2>&1 &
ada=$!
rig_pids+=("$ada")
xdotool key shift+Tab space # Service a card…, the last button on the screen
wait_screen admin
for _ in $(seq 100); do grep -q 'card to service' "$work/agent.log" && break; sleep 0.1; done
sleep 0.5
shot admin
xdotool key Tab Tab Tab space # Unlock face to face, after Back to my session and Repair the card
wait_screen admin-form
xdotool key space Tab # the identity check, then the reason
xdotool type --delay 40 "forgot passcode, seen with staff badge"
xdotool key Return
xdotool type --delay 40 246813
sleep 0.5
shot admin-unlock
xdotool key Return
typeln 246813
wait_screen admin-done && shot admin-done
# As an RA he then repairs the card: Ada types a new passcode, and the card gets new keys and
# certificates.
xdotool key Tab space # Back to my session
wait_screen active
xdotool key shift+Tab space # Service a card…
wait_screen admin
sleep 0.5
shot admin-ra
xdotool key Tab Tab Tab space # Repair the card, after Back to my session and Renew certificates
wait_screen admin-form
xdotool key space Tab
xdotool type --delay 40 "cannot log in, seen with staff badge"
xdotool key Return
xdotool type --delay 40 357913
sleep 0.5
shot admin-repair
xdotool key Return
typeln 357913
wait_screen admin-done && shot admin-repaired
# The cancellation's form (not sent: Ada keeps her card).
xdotool key Tab space # Back to my session
wait_screen active
xdotool key shift+Tab space # Service a card…
wait_screen admin
xdotool key Tab Tab Tab Tab Tab Tab Tab space # Cancel the card, the last button, after Access positions and Audit trail
wait_screen admin-form
xdotool key space Tab
xdotool type --delay 40 "reported stolen by phone"
sleep 0.5
shot admin-cancel
# Issuing a factory-fresh card (vcard init) to Ada: the RA types her UUID, she types her new passcode.
xdotool key Tab space # Cancel, the first button after the reason
wait_screen active
kill "$ada"
wait "$ada" 2>/dev/null || true
"$bin/vcard" init --state "$work/fresh.json" >>"$work/vcard.log"
"$bin/vcard" attach --state "$work/fresh.json" --port "$((port + 1))" --reconnect >>"$work/vcard.log" 2>&1 &
second=$! # the card in reader 1 from now on
rig_pids+=("$second")
xdotool key shift+Tab space # Service a card…
wait_screen admin
for _ in $(seq 100); do grep -q 'card to issue' "$work/agent.log" && break; sleep 0.1; done
sleep 0.5
shot admin-blank
xdotool key Tab Tab space # Issue this card, after Back to my session
wait_screen admin-form
xdotool key space Tab # the identity check, then the holder's UUID
xdotool type --delay 40 555000000001
xdotool key Return
xdotool type --delay 40 "new card, passport seen"
xdotool key Return
xdotool type --delay 40 468024
sleep 0.5
shot admin-enrol
xdotool key Return
typeln 468024
wait_screen admin-done && shot admin-enrolled
# Ada's access positions: the RA grants her a role, then ends her Clinical Practitioner position.
xdotool key Tab space # Back to my session
wait_screen active
xdotool key shift+Tab space # Service a card…
wait_screen admin
sleep 0.5
xdotool key Tab Tab Tab Tab Tab space # Access positions, after Back, Renew, Repair and Unlock
wait_screen admin-form
xdotool key Return # her UUID, filled in from the card
wait_screen admin-positions
shot admin-positions
xdotool key Tab Tab space # Grant a role, after her one position's End
wait_screen admin-form
xdotool key space Tab # the identity check, then the role
xdotool type --delay 40 "Ward Clerk"
xdotool key Return
xdotool type --delay 40 "covers ward 7 from today"
sleep 0.5
shot admin-grant
xdotool key Return
wait_screen admin-positions
xdotool key Tab space # End, on Clinical Practitioner
wait_screen admin-form
xdotool key space Tab Tab # the confirmation; the last day left empty: it ends now
xdotool type --delay 40 "moved to the health centre"
sleep 0.5
shot admin-end-position
xdotool key Return
wait_screen admin-positions && shot admin-position-ended
# The audit view: Ada's records, from the admin screen.
xdotool key shift+Tab space # Back to the card, the last button
wait_screen admin
sleep 0.5
xdotool key Tab Tab Tab Tab Tab Tab space # Audit trail, after Back, Renew, Repair, Unlock and Access positions
wait_screen admin-form
sleep 0.5
shot admin-audit-search
xdotool key Return # her UUID, filled in from the card
wait_screen admin-audit && shot admin-audit
# Removal action logout: an agent configured so, Sam logs in again and pulls his card.
kill "$second"
pull
wait_screen locked # pcscd has seen both cards go
kill "$agentpid"
wait "$agentpid" 2>/dev/null || true
HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" "$bin/cardagent" --backend "$url" --ca-pin "$pin" \
	--config "" --log-level debug --removal-action logout 2>"$work/agent.log" &
agentpid=$!
rig_pids+=("$agentpid")
mark=0 win=""
wait_screen insert-card
insert "$work/sam.json"
wait_screen passcode card=verified
typeln 123456
wait_screen roles
xdotool key Return # the role used last
wait_screen active
pull
wait_screen insert-card && shot logged-out-on-removal
echo "screenshots: written to $out"
