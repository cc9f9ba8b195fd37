# RehabTrack: the entry points (DESIGN.md section 11).
#
#   make run     install what is missing, build, start rehabd with the demo county
#   make test    install what is missing, build, run every test and the layout check
#
# Also: make deps | build | bench | format | clean. Settings can be overridden
# on the command line, e.g. `make run LISTEN=127.0.0.1:50052`.

SHELL := /bin/bash

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN ?= 127.0.0.1:50051
DEMO_DB ?= var/demo.db

# Debian 12 packages the build and the tests need.
DEB_PACKAGES := build-essential cmake pkg-config protobuf-compiler \
	protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libabsl-dev \
	libsqlite3-dev libsodium-dev libspdlog-dev libfmt-dev libgtest-dev \
	libgmock-dev libbenchmark-dev tzdata openssl git

REHABCTL := ./$(BUILD_DIR)/tools/rehabctl/rehabctl

.PHONY: all deps build run test bench format clean

all: build

# Installs only what is missing, so a second run is quick and needs no
# network. apt-get runs as root: directly, or through sudo when available.
deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "deps: not a Debian system; install the equivalents of:"; \
	  echo "  $(DEB_PACKAGES)"; \
	  exit 0; \
	fi; \
	missing=""; \
	for pkg in $(DEB_PACKAGES); do \
	  status=$$(dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null); \
	  [ "$$status" = "install ok installed" ] || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all packages installed"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "deps: run as root (or install sudo) to install:$$missing" >&2; exit 1; fi; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	  --no-install-recommends $$missing

build:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	$(MAKE) -C $(BUILD_DIR) -j$(JOBS)

# rehabd prints the demo accounts and their passwords when it starts.
run:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory build
	@mkdir -p $(dir $(DEMO_DB))
	@echo
	@echo "Starting rehabd on $(LISTEN) with the demo county in $(DEMO_DB)."
	@echo "Try, in another terminal (the accounts and passwords are listed below):"
	@echo "  $(REHABCTL) --server $(LISTEN) login admin     # password demo-admin-2026"
	@echo "  $(REHABCTL) whoami"
	@echo "  $(REHABCTL) areas list --parent 320831"
	@echo "  $(REHABCTL) patients list --area 320831001 --limit 5"
	@echo "  $(REHABCTL) audit --limit 5"
	@echo "  $(REHABCTL) followups due --within 7 --limit 10"
	@echo "  $(REHABCTL) contracts list --unserved --limit 10"
	@echo "  $(REHABCTL) alerts list --state open --limit 10"
	@echo "  $(REHABCTL) --help"
	@echo "Stop rehabd with Ctrl-C; the demo data stays in $(DEMO_DB)."
	@echo
	@rehabd=./$(BUILD_DIR)/server/rehabd; \
	[ -x "$$rehabd" ] || rehabd=./$(BUILD_DIR)/server/api/rehabd; \
	exec "$$rehabd" --db=$(DEMO_DB) --demo --listen=$(LISTEN)

test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2
	@if [ -d ../shared ]; then \
	  bash ../shared/tools/check-layout; \
	else \
	  echo "test: ../shared not found; layout check skipped"; \
	fi

# The load generator and benchmarks (DESIGN.md section 9). They are run by
# hand, never by `make test`.
bench: build
	$(MAKE) -C $(BUILD_DIR)/tools/bench -j$(JOBS)
	@echo "Benchmarks built in $(BUILD_DIR)/tools/bench; see README.md."

format:
	@command -v clang-format >/dev/null 2>&1 || \
	  { echo "format: install clang-format" >&2; exit 1; }
	git ls-files -- '*.h' '*.cc' | xargs clang-format -i

# Removes the build; the demo database in var/ is kept (rm -r var to start
# the demo afresh).
clean:
	rm -rf $(BUILD_DIR)
