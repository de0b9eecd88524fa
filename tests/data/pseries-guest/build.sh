#!/bin/sh
# Rebuilds guest.elf from guest.S (Debian: apt-get install binutils-powerpc64-linux-gnu).
# The binary is committed: tests and the demo do not need the cross tools.
set -e
cd "$(dirname "$0")"
powerpc64-linux-gnu-as -a64 -mbig -mpower8 -o guest.o guest.S
powerpc64-linux-gnu-ld -m elf64ppc -T guest.ld -o guest.elf guest.o
rm -f guest.o
