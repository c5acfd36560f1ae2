#!/bin/sh
# docker/build.sh SOURCE BUILD OUT: the image build stage's one compile.
# Configures a RelWithDebInfo build of SOURCE in BUILD (the build type the
# tests run; -O3 Release trips GCC 12's -Wmaybe-uninitialized under -Werror),
# builds every service that has a services/<name>/main.c (so it builds
# whichever services exist) and stictl, and puts the binaries, stripped of
# their debug information, in OUT/bin. Exits non-zero on any failure.
set -eu
src=$1 build=$2 out=$3

targets=""
for main in "$src"/services/*/main.c; do
    [ -f "$main" ] || continue
    name=$(basename "$(dirname "$main")")
    targets="$targets sti-$name"
done
[ -f "$src/cli/CMakeLists.txt" ] && targets="$targets stictl"
[ -n "$targets" ] || { echo "docker/build.sh: nothing to build in $src" >&2; exit 1; }
echo "docker/build.sh: building$targets"

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086  # targets is a word list
cmake --build "$build" -j "$(nproc)" --target $targets
mkdir -p "$out/bin"
for t in $targets; do
    exe=$(find "$build" -type f -name "$t" -perm -u+x | head -n 1)
    [ -n "$exe" ] || { echo "docker/build.sh: $t was not built" >&2; exit 1; }
    install -m 0755 -s "$exe" "$out/bin/$t"
done
ls -l "$out/bin"
