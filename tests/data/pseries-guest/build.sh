#!/bin/sh
# Rebuilds the guests from their sources (Debian: apt-get install
# binutils-powerpc64-linux-gnu binutils-powerpc64le-linux-gnu). The binaries are
# committed: tests and the demo do not need the cross tools.
set -e
cd "$(dirname "$0")"
# The little-endian part of lemode, as raw bytes for .incbin.
powerpc64le-linux-gnu-as -a64 -mlittle -mpower9 -o lemode-le.o lemode-le.S
powerpc64le-linux-gnu-objcopy -O binary -j .text lemode-le.o lemode-le.bin
for g in guest sysmode lemode; do
    powerpc64-linux-gnu-as -a64 -mbig -mpower8 -o $g.o $g.S
    powerpc64-linux-gnu-ld -m elf64ppc -T guest.ld -o $g.elf $g.o
    rm -f $g.o
done
rm -f lemode-le.o lemode-le.bin
