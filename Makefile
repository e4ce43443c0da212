# cardagent — see README.md. `make run` to try it, `make test` to test everything.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# Fyne: widget updates from other goroutines go through fyne.Do (FyneApp.toml fyneDo = true).
TAGS    := migrated_fynedo

.PHONY: all deps build run test bench lint package screenshots clean

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

## screenshots: every screen of the real binary under Xvfb into docs/screenshots
screenshots: deps
	@scripts/screenshots.sh docs/screenshots

## lint: gofmt, go vet and api/openapi.yaml validated with kin-openapi
lint:
	@scripts/lint.sh

clean:
	rm -rf $(BIN) dist
