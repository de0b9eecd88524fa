#!/bin/sh
# Builds the C test programs as static big-endian ppc64 (ELFv1) executables with
# Debian's cross compiler (apt-get install gcc-powerpc64-linux-gnu
# libc6-dev-ppc64-cross) and stores them gzipped in bin/. The binaries are committed:
# the tests need no compiler.
set -eu
cd "$(dirname "$0")"
for src in src/*.c; do
    name=$(basename "$src" .c)
    powerpc64-linux-gnu-gcc -O2 -static -o "bin/$name.elf" "$src" -lm
    gzip -9 -n -f "bin/$name.elf"
done
