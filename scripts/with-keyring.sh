#!/usr/bin/env bash
# Run a command with a real Secret Service: a private D-Bus session bus and an unlocked
# gnome-keyring in it (empty password, throwaway keyring directory). Used by make test:
#   dbus-run-session -- scripts/with-keyring.sh go test ...
set -euo pipefail
export XDG_DATA_HOME
XDG_DATA_HOME=$(mktemp -d /tmp/cardagent-keyring.XXXXXX)
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
# --unlock reads the password from stdin and creates the login keyring on first use; an empty
# password leaves the default collection locked, so use a throwaway one.
eval "$(printf 'cardagent-test' | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL
"$@"
