#!/usr/bin/env bash
# History benchmark of `secarch log` (BENCHMARKS.md, "History replay").
#
# Generates a repository the size of the change-set benchmark's (~100k files) with a
# history of 10,000 first-parent commits (scripts/gen-history-repo.py: most commits touch 1-5 files, about one
# in eight a watched file, a merge every 25 commits, a root commit that adds the whole tree),
# repacked like a clone. Then compares, in the same run and interleaved:
#   git          git log --first-parent --name-status -M main      (the baseline: the same
#                walk and the same tree diffs, rename detection included, nothing classified)
#   log-json     secarch log --repo R --format json                (walk, diff, classification)
#   log          secarch log --repo R                              (the same, human lines)
#   log-every    secarch log --repo R --every-commit --format json (every non-merge commit)
# Wall time and CPU time per process and peak RSS from wait4(2); medians over --runs, after one
# warm-up each.
#
# Usage: scripts/bench-log.sh [--runs N] [--commits N] [--files N] [--repo DIR] [--no-build]
#                             [--target-repo DIR]
#   --repo DIR         generate the repository in DIR and keep it (reused if present)
#   --target-repo DIR  measure an existing repository instead (e.g. a real clone); its
#                      current branch is walked
# Needs git, python3 and cargo. Builds a release binary (a few minutes the first time).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=5 commits=10000 files=100000 repo="" build=1 target=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --commits) commits=$2; shift 2 ;;
        --files) files=$2; shift 2 ;;
        --repo) repo=$2; shift 2 ;;
        --target-repo) target=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
for tool in git python3 cargo; do
    command -v "$tool" >/dev/null || { echo "bench-log: $tool is required" >&2; exit 1; }
done

if [ -n "$target" ]; then
    repo=$target
else
    if [ -z "$repo" ]; then
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        repo=$tmp/repo
    fi
    if [ ! -d "$repo/.git" ]; then
        echo "generating a $commits-commit history of a $files-file repository in $repo ..." >&2
        start=$(date +%s)
        git init -q -b main "$repo"
        python3 "$root/scripts/gen-history-repo.py" "$commits" --files "$files" \
            | git -C "$repo" fast-import --quiet
        git -C "$repo" repack -adfq
        echo "generated in $(( $(date +%s) - start ))s" >&2
    fi
fi

if [ "$build" = 1 ]; then
    (cd "$root" && cargo build --release --locked --quiet --features zlib-ng --bin secarch)
fi
secarch=$root/target/release/secarch
head=$(git -C "$repo" rev-parse --abbrev-ref HEAD)

cmds=(git "git -C $repo log --first-parent --name-status -M $head")
cmds+=(log-json "$secarch log --repo $repo --format json")
cmds+=(log "$secarch log --repo $repo --color never")
cmds+=(log-every "$secarch log --repo $repo --every-commit --format json")

echo "repository: $(git -C "$repo" ls-tree -r --name-only "$head" | wc -l) files at $head;" \
    "$(git -C "$repo" rev-list --count --first-parent "$head") first-parent commits," \
    "$(git -C "$repo" rev-list --count --no-merges "$head") non-merge commits;" \
    "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$runs" "${cmds[@]}" <<'PY'
import json, os, shlex, statistics, subprocess, sys, time

runs = int(sys.argv[1])
pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))

def run(cmd):
    """Wall seconds, CPU seconds, peak RSS (KiB), exit code, stdout of one process."""
    out_r, out_w = os.pipe()
    start = time.perf_counter()
    proc = subprocess.Popen(shlex.split(cmd), stdout=out_w, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    os.close(out_w)
    out = b"".join(iter(lambda: os.read(out_r, 1 << 16), b""))
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    os.close(out_r)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status), out

samples = {label: [] for label, _ in pairs}
last = {}
for label, cmd in pairs:  # warm-up: page cache, binaries
    last[label] = run(cmd)
for _ in range(runs):
    for label, cmd in pairs:  # interleaved, so load changes hit every tool alike
        r = run(cmd)
        samples[label].append(r[:3])
        last[label] = r

def med(label, i):
    return statistics.median(s[i] for s in samples[label])

base = pairs[0][0]
print(f"\n{runs} runs each, medians; ratios against {base}")
print(f"| {'command':<10} | wall s | min s | cpu s | peak RSS MiB | wall ratio | cpu ratio | result")
print(f"|{'-'*12}|--------|-------|-------|--------------|------------|-----------|-------")
for label, _ in pairs:
    wall, cpu, rss = med(label, 0), med(label, 1), med(label, 2)
    mn = min(s[0] for s in samples[label])
    _, _, _, code, out = last[label]
    text = out.decode(errors="replace")
    if label == "git":
        result = f"{text.count(chr(10) + 'commit ') + text.startswith('commit ')} commits"
    elif label.endswith(("json", "every")):
        try:
            s = json.loads(text)["summary"]
            result = (f"{s['commits']} commits, {s['triggered']} triggered, end {s['end']}, "
                      f"{dict(s['categories'])}")
        except (ValueError, KeyError) as e:
            result = f"not JSON ({e}): {text[:120]}"
    else:
        result = next((l.strip() for l in text.splitlines() if "commits replayed" in l), "")
    if code != 0:
        result += f" (exit {code})"
    print(f"| {label:<10} | {wall:6.3f} | {mn:5.3f} | {cpu:5.3f} | {rss / 1024:12.1f} | "
          f"{wall / med(base, 0):10.2f} | {cpu / max(med(base, 1), 1e-9):9.2f} | {result}")
PY
