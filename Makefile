# SPDX-License-Identifier: GPL-2.0
# ubc: see README.md. Everything runs through the scripts in scripts/ and
# selftests/qemu/; this file only names the entry points.
#
#   make            module (for LANE), tool and selftests; offline: never
#                   installs or downloads anything, and names "make deps"
#                   when something is missing
#   make image      the VM's initramfs for LANE (build/LANE/image/), from
#                   what "make" built; rebuilt when one of its inputs is
#                   newer. vm.sh only boots it
#   make deps       install/fetch what the build and the VM need for LANE
#                   (idempotent; the only target that uses the network,
#                   with check, run, shell and bench, which run it first)
#   make check      host unit tests, then the selftests in QEMU on every lane:
#                   stock-6.1 (Debian 12), debug-6.1 (KASAN, lockdep,
#                   kmemleak; built from Debian's source), stock-6.12
#   make check LANES=stock-6.1      one lane only (any subset, in order)
#   make run        boot the VM and run the demonstration
#   make shell      interactive shell in the VM with ubc loaded
#   make unit       host unit tests and check-gen (offline)
#   make gen        regenerate the files made from the netlink spec
#   make check-gen  fail if regenerating them would change a byte
#   make deb        the Debian packages ubc and ubc-dkms in build/deb/
#                   (debhelper, lintian-checked; offline)

LANE ?= stock-6.1
LANES ?= stock-6.1 debug-6.1 stock-6.12
UBC_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ubc
export UBC_CACHE

# The build targets run offline (scripts/common.sh: UBC_OFFLINE).
OFFLINE := UBC_OFFLINE=1 UBC_LANE_HINT=$(LANE)

all: module tool selftests

deps:
	@bash scripts/deps.sh $(LANE)

module:
	@$(OFFLINE) bash scripts/build-module.sh $(LANE) >/dev/null

tool:
	@$(OFFLINE) bash scripts/need.sh tool
	@$(MAKE) -s -C tools/ubc

selftests: build/forkbomb
	@$(OFFLINE) bash scripts/need.sh selftests
	@mkdir -p build/selftests
	@$(MAKE) -s -C selftests/ubc KSFT_DIR=$(UBC_CACHE)/kselftest OUTPUT=$(CURDIR)/build/selftests

# The images vm.sh boots: "check" (the main selftest VM, with stress-ng)
# and "small" (the OOM VM, run, shell, bench); see selftests/qemu/image.sh.
IMAGES := $(addprefix build/$(LANE)/image/,check.cpio.gz small.cpio.gz)
image: all
	@$(MAKE) -s $(IMAGES)

# Evaluated by the sub-make above, after "all": its inputs exist by then.
ifneq ($(filter $(IMAGES),$(MAKECMDGOALS)),)
IMAGE_INPUTS := $(shell bash selftests/qemu/image.sh --inputs $(LANE))
$(IMAGES): build/$(LANE)/image/%.cpio.gz: $(IMAGE_INPUTS)
	@mkdir -p $(@D)
	@$(OFFLINE) bash selftests/qemu/image.sh $(LANE) $*
endif

build/forkbomb: selftests/qemu/forkbomb.c
	@mkdir -p build
	$(CC) -Wall -Wextra -Werror -O2 -o $@ $<

unit: check-gen
	@$(OFFLINE) bash scripts/need.sh tool
	@$(MAKE) -s -C tests/host check OUT=$(CURDIR)/build
	@$(MAKE) -s -C tools/ubc check

gen:
	@$(OFFLINE) bash scripts/ynl-gen.sh

check-gen:
	@$(OFFLINE) bash scripts/ynl-gen.sh --check

check: deps
	@bash scripts/check.sh $(LANES)

run: deps
	@$(MAKE) -s image
	@bash selftests/qemu/vm.sh run $(LANE)

shell: deps
	@$(MAKE) -s image
	@bash selftests/qemu/vm.sh shell $(LANE)

bench: deps
	@$(MAKE) -s image
	@bash bench/bench.sh $(LANE)

deb:
	@$(OFFLINE) bash scripts/deb.sh

clean:
	rm -rf build
	$(MAKE) -s -C tools/ubc clean
	$(MAKE) -s -C tests/host clean

.PHONY: deb image all deps module tool selftests unit gen check-gen check run shell bench clean
