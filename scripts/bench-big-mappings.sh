#!/usr/bin/env bash
# Big-mapping benchmark (issue 9, item 5): the time to read one changed file for
# content signals, for every kind of file read, at two sizes. Linear readers take
# ~4x as long for 4x the keys; quadratic ones ~16x.
#
# Runs examples/bench_signals.rs (release build): each case is a modification
# whose base has N keys (entries, services, paths, dependencies, attributes...)
# and whose head has one more that yields a signal. Prints a Markdown table with
# the minimum wall time over --runs and the ratio between the two sizes.
#
# Usage: scripts/bench-big-mappings.sh [--runs N] [--no-build] [SIZES...]
#   SIZES   default: 17500 70000 (the issue's sizes), then 4375 17500 for the
#           kinds whose entries are too long to fit 70,000 under the 2 MiB
#           analysis limit (OpenAPI, FHIR, XML)
# Needs cargo. The first release build takes several minutes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=3 build=1 sizes=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) sizes+=("$1"); shift ;;
    esac
done

if [ "$build" = 1 ]; then
    (cd "$root" && cargo build --locked --release --quiet --features zlib-ng --example bench_signals)
fi
bin=$root/target/release/examples/bench_signals

if [ ${#sizes[@]} -gt 0 ]; then
    "$bin" "${sizes[@]}" --runs "$runs"
else
    "$bin" 17500 70000 --runs "$runs"
    echo
    "$bin" 4375 17500 --runs "$runs"
fi
