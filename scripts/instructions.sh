#!/usr/bin/env bash
# Instructions per call of each path of benches/native.rs, counted by callgrind: exact and
# repeatable where timings on a shared machine wander. The setup is cancelled out by running
# each path N and 2N times and taking the difference. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench native --no-run --quiet 2>/dev/null
bench=$(cargo bench --bench native --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
n=${N:-1000}
count() {
  NATIVE_BENCH_LOOP=$1 NATIVE_BENCH_N=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" 2>&1 \
    | awk '/Collected/ {print $NF}'
}
declare -A per_call
for path in decode_plain decode_plain_str decode_native decode_value_path encode_plain encode_native; do
  a=$(count "$path" "$n")
  b=$(count "$path" $((2 * n)))
  per_call[$path]=$(( (b - a) / n ))
  echo "$path: ${per_call[$path]} instructions per call"
done
awk -v p="${per_call[decode_plain]}" -v s="${per_call[decode_plain_str]}" -v d="${per_call[decode_native]}" \
    -v v="${per_call[decode_value_path]}" -v ep="${per_call[encode_plain]}" -v en="${per_call[encode_native]}" \
  'BEGIN { printf "decode native/plain %.2fx (native/plain with one UTF-8 check %.2fx), value path/native %.2fx; encode native/plain %.2fx\n", d/p, d/s, v/d, en/ep }'
