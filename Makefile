# Occlum-compatible LibOS (sim PAL). See README.md.
#   make          build everything into out/
#   make deps     install missing Debian packages (apt-get; sudo when not root),
#                 fetch those of DEPS_DOWNLOAD into out/deps/ (apt-get download)
#   make test     deps + build + every test; closing line "N passed, N failed"
#                 (tests/apps/ runs the Debian programs of the last DEPS_PKGS lines
#                 and of DEPS_DOWNLOAD)
#   make test-asan  the LibOS suite with the runtime under AddressSanitizer
#   make demo     deps + build + the hello-world walkthrough
#   make bench    benchmarks, LibOS and native side by side (bench/run.sh; its
#                 servers need wrk, nginx-light, lighttpd, redis from DEPS_PKGS)
#   make fuzz     the fuzzers, FUZZ_SECONDS each (default 600; docs/fuzzing.md)
#   make install  copy out/ to $(PREFIX) (default /usr/local)

PREFIX ?= /usr/local
OUT := out
CC := gcc
DEPS_PKGS := build-essential musl-tools musl-dev linux-libc-dev libssl-dev libjansson-dev libbsd-dev \
	libzydis-dev libcmocka-dev manpages-dev hyperfine libfuse3-dev fuse3 \
	clang libclang-rt-14-dev llvm libyaml-dev zlib1g-dev \
	sqlite3 lua5.4 python3 nodejs busybox redis-server openjdk-17-jdk-headless \
	lighttpd nginx-light curl golang-go wrk ruby php-cli memcached git \
	bc jq file xz-utils bzip2 patch

# Packages the apps tests run that conflict with installed ones
# (busybox-static with busybox): `make deps` fetches them with apt-get
# download and unpacks each into $(DEPS_DIR)/<package>/, once.
DEPS_DOWNLOAD := busybox-static
DEPS_DIR := out/deps

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS_COMMON := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -Isrc -Isrc/libos -MMD -MP
# The LibOS runs inside SIGSYS handlers on its own stacks; frame pointers
# keep backtraces usable from gdb. Those stacks are 256 KiB (ALTSTACK_SIZE
# in src/libos/process/process.c), so no frame may grow with what an
# application passes (-Wvla; alloca is unbounded for -Wstack-usage too),
# and no frame may take more than 16 KiB: room for three PATH_MAX buffers
# (the largest frame is loader_load's, ~10 KiB), while a whole chain (a
# syscall through the vfs, the union and sefs down to the host, libc and
# OpenSSL) holds only a few such frames and stays well under 256 KiB.
# Bigger buffers go on the heap.
# LIBOS_SANITIZE (make test-asan) builds the runtime with a sanitizer,
# whose instrumented frames are bigger: the stack-usage bound is then off.
LIBOS_SANITIZE ?=
STACK_USAGE := $(if $(LIBOS_SANITIZE),,-Wstack-usage=16384)
LIBOS_CFLAGS := $(CFLAGS_COMMON) -fno-omit-frame-pointer -mfsgsbase -fno-strict-aliasing \
	-Wvla $(STACK_USAGE) -I$(OUT)/gen $(LIBOS_SANITIZE) -DOCCLUM_LIBOS_HEAP
CLI_CFLAGS := $(CFLAGS_COMMON)

COMMON_SRCS := $(wildcard src/common/*.c src/common/*.S) $(wildcard src/image/*.c)
LIBOS_SRCS := $(shell find src/libos src/pal/sim -name '*.c' -o -name '*.S' | sort)
# src/bom/: copy_bom's BOM reader, ELF dependency reader and image copier,
# shared with `occlum add` (src/cli/add.c).
BOM_SRCS := $(filter-out src/bom/copy_bom_main.c,$(wildcard src/bom/*.c))
CLI_SRCS := $(wildcard src/cli/*.c) $(BOM_SRCS)
COPY_BOM_SRCS := src/bom/copy_bom_main.c $(BOM_SRCS) src/cli/fsutil.c

# The FUSE server of `occlum mount` (src/fuse/): the LibOS's own file-system
# code on the host. FUSE_FS_SRCS is the one list of LibOS fs sources it
# links; sefs_rw*.c is a wildcard so that new files of the writable layer
# come along. The PAL calls are the sim PAL's (plain host system calls).
FUSE_FS_SRCS := $(wildcard $(addprefix src/libos/fs/,vfs.c uio.c namei.c mount.c path.c ramfs.c ramfs_dir.c permission.c \
	unionfs.c unionfs_dir.c sefs.c)) $(wildcard src/libos/fs/sefs_rw*.c)
FUSE_SRCS := $(wildcard src/fuse/*.c) $(FUSE_FS_SRCS) src/libos/util/lock.c src/libos/util/kheap.c \
	src/libos/util/log.c src/pal/sim/host.c src/pal/sim/handles.c src/pal/sim/sealing.c src/pal/sim/image_key.c
FUSE_CFLAGS := $(LIBOS_CFLAGS) $(shell pkg-config --cflags fuse3 2>/dev/null || echo -I/usr/include/fuse3)

LIBOS_SHARED_LD := src/pal/sim/libos_shared.ld
LIBOS_SHARED_RENAME := --rename-section .data=.libos_data --rename-section .bss=.libos_bss \
	--rename-section .data.rel=.libos_data --rename-section .data.rel.local=.libos_data
LIBOS_OBJS := $(patsubst %,$(OUT)/obj/libos/%.o,$(LIBOS_SRCS) $(COMMON_SRCS))
CLI_OBJS := $(patsubst %,$(OUT)/obj/cli/%.o,$(CLI_SRCS) $(COMMON_SRCS))
FUSE_OBJS := $(patsubst %,$(OUT)/obj/fuse/%.o,$(FUSE_SRCS) $(COMMON_SRCS))
COPY_BOM_OBJS := $(patsubst %,$(OUT)/obj/cli/%.o,$(COPY_BOM_SRCS))

LIBOS_BIN := $(OUT)/lib/occlum/occlum-libos
FUSE_BIN := $(OUT)/lib/occlum/occlum-fuse
CLI_BIN := $(OUT)/bin/occlum
COPY_BOM_BIN := $(OUT)/bin/copy_bom
TOOLS := $(patsubst tools/%,$(OUT)/bin/%,$(wildcard tools/occlum-*))
SHARE := $(OUT)/share/occlum/Occlum.json

.PHONY: syscalls-doc all deps test test-asan demo bench fuzz install clean unit-tests libos-tests cli-tests format
all: $(LIBOS_BIN) $(FUSE_BIN) $(CLI_BIN) $(COPY_BOM_BIN) $(TOOLS) $(SHARE)

# The names of every x86-64 system call, from the kernel's own list (one
# "[nr] = \"name\"," line per __NR_name), so that the LibOS can name any
# call it is given: src/libos/syscall/dispatch.c includes it.
UNISTD_64 := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
SYSCALL_NAMES := $(OUT)/gen/syscall_names.h
$(SYSCALL_NAMES): $(UNISTD_64)
	@mkdir -p $(dir $@)
	sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$$/[\2] = "\1",/p' $< >$@.tmp
	@test -s $@.tmp || { echo "no system call names found in $<"; rm -f $@.tmp; exit 1; }
	mv $@.tmp $@
$(OUT)/obj/libos/src/libos/syscall/dispatch.c.o: $(SYSCALL_NAMES)
$(OUT)/obj/libos/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LIBOS_CFLAGS) -c $< -o $@
# The LibOS core's globals go to the section the PAL shares between the
# host processes of an instance (src/pal/sim/libos_shared.ld); LIBOS_PRIVATE
# ones are in .libos_private already.
$(OUT)/obj/libos/src/libos/%.c.o: src/libos/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIBOS_CFLAGS) -c $< -o $@
	objcopy $(LIBOS_SHARED_RENAME) $@
$(OUT)/obj/libos/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(LIBOS_CFLAGS) -c $< -o $@
# The fast path's leaf calls (src/libos/syscall/leaf.c) run with the
# application's extended state and %fs live: no vector register, no stack
# protector, no sanitizer; the check below proves it calls nothing else
# and touches no xmm/ymm/zmm/mm/tmm register.
LEAF_OBJ := $(OUT)/obj/libos/src/libos/syscall/leaf.c.o
LEAF_CFLAGS := $(filter-out $(LIBOS_SANITIZE),$(LIBOS_CFLAGS)) -mgeneral-regs-only -fno-stack-protector
$(LEAF_OBJ): src/libos/syscall/leaf.c
	@mkdir -p $(dir $@)
	$(CC) $(LEAF_CFLAGS) -c $< -o $@
	objcopy $(LIBOS_SHARED_RENAME) $@
	@for s in $$(objdump -dr $@ | awk '/R_X86_64_(PLT32|GOTPCREL)/ {sub(/-0x4$$/, "", $$3); print $$3}'); do \
	  if nm -u $@ | grep -qw "$$s"; then echo "$<: a leaf call may not call $$s"; rm -f $@; exit 1; fi; done
	@if objdump -d $@ | grep -Eq 'call +\*'; then echo "$<: a leaf call may not call through a pointer"; rm -f $@; exit 1; fi
	@if objdump -d $@ | grep -Eq '%([xyz]mm|mm|tmm)[0-9]'; then echo "$<: a leaf call may not use vector registers"; rm -f $@; exit 1; fi
$(OUT)/obj/cli/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -c $< -o $@
$(OUT)/obj/cli/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -c $< -o $@
$(OUT)/obj/fuse/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(FUSE_CFLAGS) -c $< -o $@
$(OUT)/obj/fuse/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(FUSE_CFLAGS) -c $< -o $@

# Everything the LibOS core keeps comes from the kernel heap (util/kheap.h),
# shared by the host processes of an instance: no object of src/libos, nor
# a src/common or src/image file built with common/alloc.h, may call libc's
# allocator (or a libc function that returns its memory).
HEAP_CHECKED_OBJS := $(filter $(OUT)/obj/libos/src/libos/%,$(LIBOS_OBJS)) \
	$(patsubst %,$(OUT)/obj/libos/%.o,$(shell grep -l '"common/alloc.h"' src/common/*.c src/image/*.c))
LIBC_ALLOC_SYMS := malloc calloc realloc reallocarray free strdup strndup posix_memalign \
	aligned_alloc memalign valloc asprintf vasprintf getline getdelim realpath open_memstream
$(OUT)/obj/libos/heap-check.stamp: $(HEAP_CHECKED_OBJS)
	@bad=$$(for o in $^; do nm -u $$o | awk -v o=$$o 'BEGIN { split("$(LIBC_ALLOC_SYMS)", s, " "); \
	  for (i in s) want[s[i]] = 1 } want[$$2] { print o ": " $$2 }'; done); \
	if [ -n "$$bad" ]; then echo "$$bad"; echo "the LibOS core must allocate with util/kheap.h (kmalloc, kfree...)"; exit 1; fi
	@touch $@
# The runtime's debug information goes to <binary>.debug beside it (found
# by gdb, perf and addr2line through .gnu_debuglink): every `occlum run`
# measures the runtime binary (SHA-256 of the file), and three quarters of
# it were debug sections that never run.
SPLIT_DEBUG = objcopy --only-keep-debug $@ $@.debug && objcopy --strip-debug \
	--add-gnu-debuglink=$@.debug $@
# -z now: every library call is bound at start-up, so a fork's child host
# process does not resolve symbols lazily (page faults on ld.so's and the
# libraries' symbol tables, each fork).
$(LIBOS_BIN): $(LIBOS_OBJS) $(OUT)/obj/libos/heap-check.stamp $(LIBOS_SHARED_LD)
	@mkdir -p $(dir $@)
	$(CC) $(LIBOS_SANITIZE) -o $@ $(LIBOS_OBJS) -Wl,-T,$(LIBOS_SHARED_LD) -Wl,-z,now -ljansson -lcrypto -lZydis -lpthread
	$(SPLIT_DEBUG)
$(FUSE_BIN): $(FUSE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBOS_SANITIZE) -o $@ $^ -lfuse3 -ljansson -lcrypto -lpthread
$(CLI_BIN): $(CLI_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -ljansson -lcrypto -lyaml
$(COPY_BOM_BIN): $(COPY_BOM_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcrypto -lyaml
$(OUT)/bin/%: tools/%
	@mkdir -p $(dir $@)
	install -m 0755 $< $@
# Linux UAPI headers for occlum-gcc: musl-gcc sees only musl's headers, and
# adding /usr/include would pull in glibc's. Symlinks to the kernel's header
# directories alone (see tools/occlum-gcc).
UAPI := $(OUT)/include/occlum-uapi
all: $(UAPI)/linux
$(UAPI)/linux:
	@mkdir -p $(UAPI)
	ln -sfn /usr/include/linux $(UAPI)/linux
	ln -sfn /usr/include/asm-generic $(UAPI)/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm $(UAPI)/asm
install: install-uapi
.PHONY: install-uapi
install-uapi: $(UAPI)/linux
	install -d $(PREFIX)/include
	rm -rf $(PREFIX)/include/occlum-uapi
	cp -a $(UAPI) $(PREFIX)/include/

$(SHARE): etc/Occlum.json
	@mkdir -p $(dir $@)
	cp etc/Occlum.json $@

deps:
	@missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@for p in $(DEPS_DOWNLOAD); do \
	  [ -d $(DEPS_DIR)/$$p ] && continue; \
	  echo "fetching $$p into $(DEPS_DIR)/$$p"; \
	  rm -rf $(DEPS_DIR)/.get && mkdir -p $(DEPS_DIR)/.get || exit 1; \
	  if ! (cd $(DEPS_DIR)/.get && apt-get download -qq $$p) 2>/dev/null; then \
	    SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && (cd $(DEPS_DIR)/.get && apt-get download -qq $$p) || exit 1; \
	  fi; \
	  dpkg-deb -x $(DEPS_DIR)/.get/$${p}_*.deb $(DEPS_DIR)/.get/root && \
	    mv $(DEPS_DIR)/.get/root $(DEPS_DIR)/$$p && rm -rf $(DEPS_DIR)/.get || exit 1; \
	done

test: deps
	$(MAKE) all
	@bash tests/run-all.sh

# The LibOS suite once more, with the runtime under AddressSanitizer
# (out-asan/): inside the SIGSYS handler and on the LibOS's own stacks it
# works as anywhere else. Leaks are not checked: the runtime ends with
# pal_exit while threads still hold their memory.
test-asan: deps
	$(MAKE) OUT=out-asan LIBOS_SANITIZE=-fsanitize=address all
	ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 OCCLUM=out-asan/bin/occlum MUSL_CC=out-asan/bin/occlum-gcc \
	  MUSL_CXX=out-asan/bin/occlum-g++ bash tests/run-libos.sh --libos-only

demo: deps
	$(MAKE) all
	@bash tools/demo.sh

bench: deps
	$(MAKE) all
	@bash bench/run.sh

# Each libFuzzer target and the system-call fuzzer (inside the LibOS) for
# FUZZ_SECONDS each; FUZZ_SEED and FUZZ_THREADS as tests/run-fuzz.sh's
# --seed and --threads, with the munmap/mprotect racer. `make test` runs a
# short pass of the same, without the racer.
FUZZ_SECONDS ?= 600
FUZZ_SEED ?= 1
FUZZ_THREADS ?= 3
fuzz: deps
	$(MAKE) all
	@bash tests/run-fuzz.sh --seconds $(FUZZ_SECONDS) --syscall-seconds $(FUZZ_SECONDS) \
		--seed $(FUZZ_SEED) --threads $(FUZZ_THREADS) --race

install: all
	install -d $(PREFIX)/bin $(PREFIX)/lib/occlum $(PREFIX)/share/occlum
	install -m 0755 $(CLI_BIN) $(COPY_BOM_BIN) $(TOOLS) $(PREFIX)/bin/
	install -m 0755 $(LIBOS_BIN) $(FUSE_BIN) $(PREFIX)/lib/occlum/
	install -m 0644 $(SHARE) $(PREFIX)/share/occlum/

# tests/work/ holds the test runs' copies of programs and libraries (Perl's
# headers among them): not ours to format.
format:
	clang-format -i $$(find src tests bench -path tests/work -prune -o \( -name '*.c' -o -name '*.h' \) -print)

clean:
	rm -rf $(OUT) tests/work

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)

# docs/syscalls.md: the LibOS's answer to every x86-64 call, generated from
# the dispatch table (tools/gen-syscalls-doc).
syscalls-doc: $(SYSCALL_NAMES)
	tools/gen-syscalls-doc $(OUT)/gen >docs/syscalls.md.tmp && mv docs/syscalls.md.tmp docs/syscalls.md
