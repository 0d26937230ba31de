# nimbus: `make run` and `make test` do everything on a fresh Debian 12 machine (as root).
BUILD ?= build
JOBS ?= $(shell nproc)
# -g1 (line tables and function names, no locals): backtraces still name the line, and a build
# from scratch takes about a third less time than with -g. CMAKE_FLAGS=-DCMAKE_BUILD_TYPE=Debug
# (or RelWithDebInfo with -g) when you need a debugger to show variables.
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
PORT ?= 4566
HOST ?= 127.0.0.1

.PHONY: all deps test-deps build run test unit integration test-cgroup2 fuzz bench examples format clean

all: build

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test
	@scripts/install-npm-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/nimbus serve --host $(HOST) --port $(PORT)

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 900 -LE '^vm$$'

unit: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE '^(integration|vm)$$'

integration: test-deps build
	cd $(BUILD) && ctest --output-on-failure -L integration

# The sandbox and Lambda limit tests again in a qemu guest with pure cgroup v2 (tests/vm; this
# host may be v1 or hybrid). Not in `make test`: it installs qemu and a kernel, and emulates
# where there is no KVM (about 8 minutes then; the Lambda tests need KVM and skip).
test-cgroup2: test-deps build
	@scripts/install-deps.sh vm
	cd $(BUILD) && ctest --output-on-failure -L '^vm$$'

# libFuzzer targets (clang); not part of `make test`. FUZZ_SECONDS per target. Each starts from
# the committed seeds in fuzz/corpus/<target> and keeps what it finds in build-fuzz/corpus.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= fuzz_http_parser fuzz_json_codec fuzz_rest_json_codec fuzz_query_codec \
  fuzz_sigv4_parse fuzz_zip_reader fuzz_ecr_documents \
  fuzz_json_validate fuzz_logs_inputs fuzz_providers
fuzz: test-deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DNIMBUS_FUZZ=ON -DNIMBUS_TESTS=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target $(FUZZ_TARGETS)
	@for f in $(addprefix build-fuzz/fuzz/,$(FUZZ_TARGETS)); do \
	  echo "== $$f"; mkdir -p build-fuzz/corpus/$$(basename $$f); \
	  $$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 build-fuzz/corpus/$$(basename $$f) \
	    fuzz/corpus/$$(basename $$f) >build-fuzz/$$(basename $$f).log 2>&1; rc=$$?; \
	  tail -2 build-fuzz/$$(basename $$f).log; \
	  if [ $$rc -ne 0 ]; then tail -40 build-fuzz/$$(basename $$f).log; exit 1; fi; done

examples: build
	@cmake --build $(BUILD) --target examples

bench: test-deps build
	bench/run-all.sh $(BUILD)

format:
	@find src tests bench runtime examples fuzz -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-fuzz
