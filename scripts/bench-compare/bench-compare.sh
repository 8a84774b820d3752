#!/bin/sh
# bench-compare runs `stepflow bench` of two binaries in alternation, on the same machine
# load, and prints each workload's median over the rounds for both and their ratio
# (after/before; below 1 is faster).
#
#   go build -o /tmp/stepflow-before ./cmd/stepflow   # on the base commit
#   go build -o /tmp/stepflow-after ./cmd/stepflow    # on the change
#   scripts/bench-compare/bench-compare.sh /tmp/stepflow-before /tmp/stepflow-after [ROUNDS] [RUNS]
set -eu
before=$1
after=$2
rounds=${3:-10}
runs=${4:-20}
out=$(mktemp -d)
i=1
while [ "$i" -le "$rounds" ]; do
	"$before" bench --runs "$runs" --format json >"$out/before.$i" 2>/dev/null
	"$after" bench --runs "$runs" --format json >"$out/after.$i" 2>/dev/null
	i=$((i + 1))
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(kind):
    per = {}
    for i in range(1, rounds + 1):
        for line in open(f"{out}/{kind}.{i}"):
            r = json.loads(line)
            if not r.get("output_matched", False):
                sys.exit(f"{kind} round {i}: {r['workload']} output does not match")
            per.setdefault(r["workload"], []).append(r["median_ms"])
    return per
b, a = load("before"), load("after")
print(f"{'workload':18} {'before ms':>10} {'after ms':>10} {'after/before':>13}")
for w in sorted(b):
    mb, ma = statistics.median(b[w]), statistics.median(a[w])
    print(f"{w:18} {mb:10.2f} {ma:10.2f} {ma / mb:13.3f}")
PY
rm -r "$out"
