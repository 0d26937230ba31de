#!/usr/bin/env bash
# Packages the soak driver with and without libc, unzips each zip and runs its bootstrap the way
# Lambda does (_HANDLER set, cwd elsewhere). The soak driver serves _HANDLER invocations itself.
# A statically linked build of the driver (STATIC_BINARY) must become the bootstrap itself.
# Usage: package_test.sh PACKAGER BINARY STATIC_BINARY
set -euo pipefail
packager="$1"
binary="$2"
static_binary="${3:-}"  # empty: skipped (sanitizer builds cannot link statically)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for flags in "" "--no-libc" "--strip"; do
  dir="$work/task${flags}"
  "$packager" "$binary" -o "$work/fn${flags}.zip" $flags
  mkdir -p "$dir"
  (cd "$dir" && unzip -q "$work/fn${flags}.zip")
  test -x "$dir/bootstrap"
  if [ -z "$flags" ] || [ "$flags" = "--strip" ]; then
    ls "$dir"/lib/ld-linux* >/dev/null
    test -e "$dir/lib/libc.so.6"
  else
    ! ls "$dir"/lib/libc.so* 2>/dev/null
  fi
  out="$(cd / && env -i PATH=/usr/bin:/bin _HANDLER=50 "$dir/bootstrap")"
  echo "$flags: $out"
  [ "$out" = "soak: 50 invocations, exit code 0" ]
done
# Static: the zip holds one file, bootstrap, which is the ELF binary itself.
if [ -n "$static_binary" ]; then
  dir="$work/task-static"
  "$packager" "$static_binary" -o "$work/fn-static.zip"
  test "$(unzip -Z1 "$work/fn-static.zip")" = "bootstrap"
  mkdir -p "$dir" && (cd "$dir" && unzip -q "$work/fn-static.zip")
  test "$(head -c 4 "$dir/bootstrap" | od -An -c | tr -d ' ')" = "177ELF"
  out="$(cd / && env -i _HANDLER=50 "$dir/bootstrap")"
  echo "static: $out"
  [ "$out" = "soak: 50 invocations, exit code 0" ]
fi
# Bad input: not an ELF file, missing file.
! "$packager" "$0" -o "$work/bad.zip" 2>/dev/null
! "$packager" "$work/none" -o "$work/bad.zip" 2>/dev/null
echo "package test passed"
