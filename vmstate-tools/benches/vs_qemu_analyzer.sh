#!/bin/sh
# Times `vmstate analyze` against QEMU's scripts/analyze-migration.py on the
# same stream, in one run, and prints the ratio. The script is not part of
# this repository: point QEMU_ANALYZER at a copy from a QEMU source tree.
#
#   QEMU_ANALYZER=~/qemu/scripts/analyze-migration.py \
#       vmstate-tools/benches/vs_qemu_analyzer.sh tests/data/qemu-7.2/streams/p9-slof-run.mig.gz
#
# Both outputs are also compared as parsed JSON, so the figure is for equal work.
set -eu
stream=${1:?usage: vs_qemu_analyzer.sh STREAM[.gz] [RUNS]}
runs=${2:-5}
: "${QEMU_ANALYZER:?set QEMU_ANALYZER to QEMU's scripts/analyze-migration.py}"
root=$(cd "$(dirname "$0")/../.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin vmstate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# QEMU's script reads plain streams only.
case $stream in
*.gz) gzip -dc "$stream" >"$tmp/stream" ;;
*) cp "$stream" "$tmp/stream" ;;
esac
python3 - "$root/target/release/vmstate" "$QEMU_ANALYZER" "$tmp/stream" "$runs" <<'PY'
import json, subprocess, sys, time
ours, theirs, stream, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def best(cmd):
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True).stdout
        times.append(time.perf_counter() - t)
    return min(times), json.loads(out)
t_ours, a = best([ours, "analyze", stream])
t_qemu, b = best([sys.executable, theirs, "-f", stream])
print(f"outputs equal: {a == b}")
print(f"vmstate analyze: {t_ours * 1e3:.1f} ms   analyze-migration.py: {t_qemu * 1e3:.1f} ms   "
      f"ratio {t_qemu / t_ours:.1f}x (best of {runs})")
sys.exit(0 if a == b else 1)
PY
