#!/usr/bin/env bash
# Install the Debian packages cardagent needs to build and test, skipping what is present.
# Idempotent: with everything installed it runs no apt-get at all.
set -euo pipefail

packages=(
	pcscd libpcsclite-dev vsmartcard-vpcd # PC/SC daemon, headers for ebfe/scard, virtual reader
	opensc yubico-piv-tool openssl        # independent PIV clients for the conformance tests
	gcc pkg-config                        # cgo
	xorg-dev libgl1-mesa-dev xvfb         # Fyne build headers and a headless X server
	xdotool imagemagick                   # drive the real window under Xvfb, take screenshots
	dbus gnome-keyring libsecret-tools    # a real Secret Service for the session ticket
	postgresql                            # the PostgreSQL store is tested for real
	python3-aiosmtpd                      # a real SMTP server for the mail tests (internal/testkit/smtp.go)
	chromium                              # the sample clinical web app is tested in a real browser
	gcc-mingw-w64-x86-64                  # the Windows build (cgo for Fyne) and its vet
)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm) # drives it (playwright-core)

browser=examples/wardnotes/browser # npm ci: the exact playwright-core of its package-lock.json
npm_ci() {
	[ -f "$browser/node_modules/playwright-core/package.json" ] && return 0
	echo "deps: npm ci in $browser"
	(cd "$browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	cd "$(dirname "$0")/.." && npm_ci
	exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
cd "$(dirname "$0")/.." && npm_ci
