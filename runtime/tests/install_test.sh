#!/usr/bin/env bash
# cmake --install into a temporary prefix, then build and package examples/hello-cpp against it
# through find_package(NimbusLambdaRuntime 0.1 CONFIG). Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
source="$2"
work="$(mktemp -d)"
log="$work/log"
trap 'status=$?; [ $status -ne 0 ] && cat "$log"; rm -rf "$work"; exit $status' EXIT
cmake --install "$build" --prefix "$work/prefix" >>"$log" 2>&1
cmake -S "$source/../examples/hello-cpp" -B "$work/hello" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >>"$log" 2>&1
grep -q "NimbusLambdaRuntime_DIR:PATH=$work/prefix" "$work/hello/CMakeCache.txt"
cmake --build "$work/hello" --target hello-cpp-zip -j2 >>"$log" 2>&1
listing="$(unzip -Z1 "$work/hello/hello-cpp.zip")"
grep -qx "bin/hello-cpp" <<<"$listing"
echo "install test passed"
