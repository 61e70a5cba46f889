#!/usr/bin/env bash
# scripts/bench_startup.sh [RUNS]: how fast luaforce starts, next to the usual
# alternative, `node -e "require('jsforce')"` (jsforce from scripts/peers).
#
# Each command runs RUNS times (default 50; node 10) in a shell loop timed
# with `date +%s%N`; the mean per run is printed, and the same loop over
# /bin/true shows what fork and exec alone cost on this machine (on a shared
# or sandboxed machine that floor can be several milliseconds). Ratios are
# node's mean over luaforce's. Target: luaforce at least 10x faster; aim 60x.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
bin=${LUAFORCE_BIN:-build/luaforce}

# mean microseconds of running "$@" $n times, output discarded
mean_us() {
  local n=$1; shift
  "$@" >/dev/null 2>&1 || { echo "bench_startup: '$*' fails" >&2; exit 1; }
  local start end
  start=$(date +%s%N)
  for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(((end - start) / n / 1000))
}

ms() { awk -v us="$1" 'BEGIN { printf "%7.1f ms", us / 1000 }'; }

floor=$(mean_us "$runs" /bin/true)
version=$(mean_us "$runs" "$bin" --version)
evalx=$(mean_us "$runs" "$bin" eval '1 + 1')
printf '%-36s %s\n' "/bin/true (fork + exec floor)" "$(ms "$floor")"
printf '%-36s %s\n' "luaforce --version" "$(ms "$version")"
printf '%-36s %s\n' "luaforce eval '1 + 1'" "$(ms "$evalx")"

node_us=""
if peers=$(scripts/peers 2>/dev/null) && command -v node >/dev/null; then
  node_us=$(cd "$(dirname "$peers")" && mean_us $(((runs + 4) / 5)) node -e "require('jsforce')")
  printf '%-36s %s\n' "node -e \"require('jsforce')\"" "$(ms "$node_us")"
else
  echo "(jsforce not installed: scripts/peers needs Node.js 20+ and npm; no ratio)"
fi
if [ -n "$node_us" ]; then
  awk -v n="$node_us" -v a="$version" -v b="$evalx" 'BEGIN {
    printf "ratio: --version %.0fx faster, eval %.0fx faster (target >= 10x, aim 60x)\n", n / a, n / b }'
fi
