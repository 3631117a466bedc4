# SPDX-License-Identifier: GPL-2.0
# ubc: see README.md. Everything runs through the scripts in scripts/ and
# selftests/qemu/; this file only names the entry points.
#
#   make            module (for LANE), tool and selftests
#   make check      host unit tests, then the selftests in QEMU on every lane:
#                   stock-6.1 (Debian 12), debug-6.1 (KASAN, lockdep,
#                   kmemleak; built from Debian's source), stock-6.12
#   make check LANES=stock-6.1      one lane only (any subset, in order)
#   make run        boot the VM and run the demonstration
#   make shell      interactive shell in the VM with ubc loaded
#   make deps       install/fetch what the build and the VM need (idempotent)

LANE ?= stock-6.1
LANES ?= stock-6.1 debug-6.1 stock-6.12
UBC_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ubc
export UBC_CACHE

all: module tool selftests

deps:
	@bash scripts/deps.sh

module: deps
	@bash scripts/build-module.sh $(LANE) >/dev/null

tool: deps
	@$(MAKE) -s -C tools/ubc

selftests: deps build/forkbomb
	@mkdir -p build/selftests
	@$(MAKE) -s -C selftests/ubc KSFT_DIR=$(UBC_CACHE)/kselftest OUTPUT=$(CURDIR)/build/selftests

build/forkbomb: selftests/qemu/forkbomb.c
	@mkdir -p build
	$(CC) -Wall -Wextra -Werror -O2 -o $@ $<

unit: deps
	@$(MAKE) -s -C tests/host check OUT=$(CURDIR)/build
	@$(MAKE) -s -C tools/ubc check

check: deps
	@bash scripts/check.sh $(LANES)

run: all
	@bash selftests/qemu/vm.sh run $(LANE)

shell: all
	@bash selftests/qemu/vm.sh shell $(LANE)

bench: all
	@bash bench/bench.sh $(LANE)

clean:
	rm -rf build
	$(MAKE) -s -C tools/ubc clean
	$(MAKE) -s -C tests/host clean

.PHONY: all deps module tool selftests unit check run shell bench clean
