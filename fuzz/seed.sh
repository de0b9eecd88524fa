#!/usr/bin/env bash
# Seed corpora for the fuzz targets from the QEMU fixtures in tests/data.
set -euo pipefail
cd "$(dirname "$0")"
data=../tests/data/qemu-7.2
mkdir -p corpus/load_cpu corpus/analyze corpus/load_stream corpus/decode
for f in "$data"/cpu/*.body.bin.gz; do gunzip -c "$f" > "corpus/load_cpu/$(basename "$f" .gz)"; done
for f in "$data"/streams/ppc64-mac99-*.mig.gz; do gunzip -c "$f" > "corpus/analyze/$(basename "$f" .gz)"; done
for f in ../tests/data/ppc-programs/bin/*.elf.gz; do gunzip -c "$f" | head -c 4096 > "corpus/decode/$(basename "$f" .gz)"; done
echo "seeded: $(ls corpus/load_cpu | wc -l) cpu sections, $(ls corpus/analyze | wc -l) streams"
# A ppc-vm snapshot for load_stream (the shape that target accepts).
gunzip -c ../tests/data/ppc-programs/bin/sieve.elf.gz > /tmp/seed-sieve.elf
(cd .. && cargo run -q --bin ppc-vm -- run /tmp/seed-sieve.elf --save-after 500 fuzz/corpus/load_stream/sieve.mig >/dev/null)
echo "seeded load_stream with $(ls corpus/load_stream | wc -l) snapshot"
