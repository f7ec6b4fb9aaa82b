# gobag — two commands on a fresh machine:
#   make run    build the desktop app and open it on the demo binder
#   make test   run the whole test suite
# Both install the Debian packages they need when run as root, and print
# the exact install command otherwise.

GO      ?= go
BIN     := bin/gobag
DEMO    := .demo/binder
DEMOID  := $(DEMO)/gobag/demo-identities/manager.age

# Debian packages: Fyne's cgo build, a real window, and the real tools the
# tests run against.
PKGS_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
              libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
PKGS_TEST  := git age openssh-client openssh-server xvfb xauth libgl1-mesa-dri x11-utils xdotool \
              qpdf poppler-utils zbar-tools \
              zsh fish xz-utils desktop-file-utils
PKGS_BENCH := pass gnupg time

.PHONY: all build run test fuzz bench package deps deps-test deps-bench fmt-check clean

# Fuzz targets, as TARGET:PACKAGE: every parser of data from outside.
# make test runs each briefly; make fuzz longer (FUZZTIME each).
FUZZ := FuzzParseTree:./binder/internal/gitstore FuzzIndexPack:./binder/internal/gitstore \
        FuzzInflateLoose:./binder/internal/gitstore FuzzParseEnvelope:./binder \
        FuzzParseRecord:./binder FuzzParse:./binder/roster FuzzParseAddress:./sync \
        FuzzParseRemotes:./sync FuzzParseVCards:./binder/interchange FuzzParseCSV:./binder/interchange \
        FuzzForTeam:./binder/calltree
FUZZTIME ?= 60s

define fuzz
	@for f in $(FUZZ); do \
	  name=$${f%%:*}; pkg=$${f#*:}; \
	  echo "fuzz $$name ($$pkg, $(1))"; \
	  $(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(1) $$pkg >/dev/null || \
	    { $(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(1) $$pkg; exit 1; }; \
	done
endef

all: build

# deps PKG…: install missing Debian packages as root, else print the command.
define need
	@command -v $(GO) >/dev/null 2>&1 || { echo "gobag: Go 1.26 or later is needed: https://go.dev/doc/install" >&2; exit 1; }
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null 2>&1; then echo "gobag: install these packages first:$$missing" >&2; exit 1; fi; \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "gobag: missing packages; install them with:" >&2; echo "  sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call need,$(PKGS_BUILD))

deps-test:
	$(call need,$(PKGS_BUILD) $(PKGS_TEST))

deps-bench:
	$(call need,$(PKGS_BUILD) $(PKGS_TEST) $(PKGS_BENCH))

# The version gobag version and the About box show: FyneApp.toml's, the
# one the package carries. The commit comes from Go's build information.
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
LDFLAGS := $(if $(VERSION),-ldflags "-X main.version=$(VERSION)")

# fyne.io/tools builds the Linux package (make package).
FYNE_TOOLS := fyne.io/tools/cmd/fyne@v1.7.4
FYNE       := $(shell $(GO) env GOPATH 2>/dev/null)/bin/fyne

# no_emoji leaves out Fyne's colour emoji font, which it would parse once
# per text style for every window: about 20 MB of the app's memory
# (docs/PERFORMANCE.md). Emoji in records then show through the system's
# fonts, where it has one for them.
TAGS := no_emoji

build: deps
	$(GO) build -tags $(TAGS) $(LDFLAGS) -o $(BIN) ./cmd/gobag

run: build
	@test -d $(DEMO) || $(BIN) demo --binder $(DEMO)
	@echo "demo identity passphrase: demo"
	$(BIN) --binder $(DEMO) --identity $(DEMOID)

fmt-check:
	@out="$$(gofmt -l cmd ui binder sync crypto assets 2>/dev/null)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

test: deps-test fmt-check
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./crypto/... ./binder/... ./ui/... ./assets/...
	$(call fuzz,3s)
	@# Under -race, with every package's tests running side by side on two
	@# cores, the largest (cmd/gobag, ui) take close to go test's default
	@# 10 minutes each.
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory package
	GOBAG_PACKAGE=$(CURDIR)/dist/gobag.tar.xz $(GO) test -count=1 -run '^TestPackageInstallsAndStarts$$' ./cmd/gobag

fuzz: deps-test
	$(call fuzz,$(FUZZTIME))

bench: deps-bench build
	$(GO) run ./cmd/benchreport -out docs/PERFORMANCE.md

# dist/gobag.tar.xz: the binary, a .desktop entry, the icon and a Makefile
# that installs them (sudo make install, or make user-install). fyne
# package rewrites FyneApp.toml's build number; the committed file stays.
package: build
	@test -x $(FYNE) || { echo "installing $(FYNE_TOOLS)"; $(GO) install $(FYNE_TOOLS); }
	@mkdir -p dist && rm -f dist/gobag.tar.xz
	@cp FyneApp.toml dist/.FyneApp.toml.keep
	$(FYNE) package -os linux --exe $(BIN) --src . --release; status=$$?; \
	  cp dist/.FyneApp.toml.keep FyneApp.toml; rm -f dist/.FyneApp.toml.keep; exit $$status
	mv gobag.tar.xz dist/gobag.tar.xz
	@echo "built dist/gobag.tar.xz"

clean:
	rm -rf bin .demo dist
