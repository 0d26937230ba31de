#!/usr/bin/env bash
# cmake --install into a temporary prefix, then build and package examples/hello-cpp against it
# through find_package(NimbusLambdaRuntime 0.1 CONFIG). Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
source="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source/../examples/hello-cpp" -B "$work/hello" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >/dev/null
grep -q "NimbusLambdaRuntime_DIR:PATH=$work/prefix" "$work/hello/CMakeCache.txt"
cmake --build "$work/hello" --target hello-cpp-zip -j2 >/dev/null
unzip -l "$work/hello/hello-cpp.zip" | grep -q "bin/hello-cpp"
echo "install test passed"
