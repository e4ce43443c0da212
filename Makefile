# cardagent — see README.md. `make run` to try it, `make test` to test everything.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# Fyne: widget updates from other goroutines go through fyne.Do (FyneApp.toml fyneDo = true).
TAGS    := migrated_fynedo

.PHONY: all deps build run test bench lint package package-windows screenshots clean

all: build

## deps: install the Debian packages needed to build and test (idempotent) and the Go modules
deps:
	@scripts/deps.sh
	@$(GO) mod download

## build: the agent, the virtual card and the identity backend into bin/
build: deps
	$(GO) build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/cardagent ./cmd/identityd ./cmd/vcard ./cmd/identityd-bench

## run: build and start the desktop agent (demo backend and demo card with no configuration)
run: build
	@scripts/run.sh

## test: install what is missing, start the rigs, run every test, stop the rigs
test: deps
	@scripts/test.sh

## bench: every benchmark, figures into bench-results.txt
bench: deps
	@scripts/bench.sh

## package: a Linux package (dist/cardagent.tar.xz: binary, .desktop file, icon) with fyne.io/tools
FYNE := $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
package: build
	mkdir -p dist
	$(FYNE) package --os linux --exe $(BIN)/cardagent --name cardagent --icon assets/icon.png --release
	mv cardagent.tar.xz dist/

## package-windows: dist/cardagent.exe, cross-compiled with Debian's mingw-w64 (Fyne needs cgo) and packaged by
## fyne (icon and metadata), then started under Wine where Wine can run it (scripts/wine-smoke.sh)
package-windows: deps
	GOBIN=$(CURDIR)/$(BIN) $(GO) install fyne.io/tools/cmd/fyne@v1.7.4
	cd cmd/cardagent && CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc GOFLAGS="-ldflags=-X=main.version=$(VERSION)" \
		../../$(BIN)/fyne package --os windows --icon ../../assets/icon.png --app-id uk.nhs.cardagent --name cardagent \
		--tags $(TAGS) --release
	mkdir -p dist && mv cmd/cardagent/cardagent.exe dist/
	scripts/wine-smoke.sh dist/cardagent.exe

## screenshots: every screen of the real binary under Xvfb into docs/screenshots
screenshots: deps
	@scripts/screenshots.sh docs/screenshots

## lint: gofmt, go vet and api/openapi.yaml validated with kin-openapi
lint:
	@scripts/lint.sh

clean:
	rm -rf $(BIN) dist
