#!/bin/sh
# Rebuilds the guests from their sources (Debian: apt-get install
# binutils-powerpc64-linux-gnu). The binaries are committed: tests and the demo do not
# need the cross tools.
set -e
cd "$(dirname "$0")"
for g in guest sysmode; do
    powerpc64-linux-gnu-as -a64 -mbig -mpower8 -o $g.o $g.S
    powerpc64-linux-gnu-ld -m elf64ppc -T guest.ld -o $g.elf $g.o
    rm -f $g.o
done
