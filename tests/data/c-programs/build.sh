#!/bin/sh
# Builds the C test programs as static executables with Debian's cross compilers and
# stores them gzipped in bin/: big-endian ppc64 (ELFv1; apt-get install
# gcc-powerpc64-linux-gnu libc6-dev-ppc64-cross) as NAME.elf, little-endian ppc64le
# (ELFv2; gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross) as NAME-le.elf; the C++
# program with g++-powerpc64-linux-gnu and g++-powerpc64le-linux-gnu. The binaries are
# committed: the tests need no compiler.
set -eu
cd "$(dirname "$0")"
for src in src/*.c; do
    name=$(basename "$src" .c)
    # vec.c is built to be vectorized.
    opt=-O2
    [ "$name" = vec ] && opt=-O3
    powerpc64-linux-gnu-gcc $opt -static -o "bin/$name.elf" "$src" -lm
    powerpc64le-linux-gnu-gcc $opt -static -o "bin/$name-le.elf" "$src" -lm
    gzip -9 -n -f "bin/$name.elf" "bin/$name-le.elf"
done
for src in src/*.cpp; do
    name=$(basename "$src" .cpp)
    powerpc64-linux-gnu-g++ -O2 -static -o "bin/$name.elf" "$src"
    powerpc64le-linux-gnu-g++ -O2 -static -o "bin/$name-le.elf" "$src"
    gzip -9 -n -f "bin/$name.elf" "bin/$name-le.elf"
done
