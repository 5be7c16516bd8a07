#!/usr/bin/env bash
# Change-set benchmark (BENCHMARKS.md, "Change set (git diff step)").
#
# Generates a repository with ~100k files in nested directories (deterministic,
# via `git fast-import`, then repacked like a clone) whose `feature` branch
# changes ~10k files: ~4k modified, ~3k renamed (1k of them edited), ~2k added,
# ~1k deleted; `main` has moved on by one unrelated commit. Then compares, in
# the same run and interleaved:
#   git          git diff --name-status -M main...feature         (the baseline)
#   check        secarch check --repo R --base main --head feature --format json
#                (only when the built secarch has a `check` command)
#   changeset    examples/changeset: open, merge-base, Repo::change_set
#   changeset-1t     the same on one thread (--threads 1)
#   changeset-full   the same with --rename-limit 20000 (every rename searched)
#   libgit2      (--with-libgit2) examples/changeset --engine libgit2: libgit2's
#                own diff + find_similar at its default rename limit (1000)
#   check-old    (--old-secarch BIN) the same check with another build, e.g. of
#                the commit before a change, interleaved with the others
#   git-stat     (--heavy-watched or --with-stat) git diff -M --stat main...feature:
#                the same diff, reading the content of every changed file
# Wall time and CPU time per process, and peak RSS from wait4(2) (so
# /usr/bin/time is not needed); medians over --runs, after one warm-up each.
#
# --heavy-watched generates the heavy-watched repository instead (gen-bench-repo.py
# --heavy-watched; 60k files, a 6k-file change of which 1.3k are watched manifests
# with content signals) and adds the git-stat row; the changeset-* rows are left out.
#
# Usage: scripts/bench-diff.sh [--runs N] [--files N] [--repo DIR] [--no-build] [--with-libgit2]
#                              [--heavy-watched] [--with-stat] [--old-secarch BIN]
#   --repo DIR   generate the repository in DIR and keep it (reused if present; use a
#                different DIR for --heavy-watched)
# Needs git, python3 and cargo. Builds release binaries (a few minutes the first time).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=7 files="" repo="" build=1 libgit2=0 heavy=0 stat=0 old=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --files) files=$2; shift 2 ;;
        --repo) repo=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --with-libgit2) libgit2=1; shift ;;
        --heavy-watched) heavy=1; stat=1; shift ;;
        --with-stat) stat=1; shift ;;
        --old-secarch) old=$2; shift 2 ;;
        -h|--help) sed -n '2,38p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
for tool in git python3 cargo; do
    command -v "$tool" >/dev/null || { echo "bench-diff: $tool is required" >&2; exit 1; }
done

if [ -z "$repo" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    repo=$tmp/repo
fi

gen_args=()
if [ "$heavy" = 1 ]; then
    files=${files:-60000}
    gen_args+=(--heavy-watched)
fi
files=${files:-100000}
if [ ! -d "$repo/.git" ]; then
    echo "generating $files-file repository in $repo ..." >&2
    start=$(date +%s)
    git init -q -b main "$repo"
    python3 "$root/scripts/gen-bench-repo.py" "$files" "${gen_args[@]}" | git -C "$repo" fast-import --quiet
    # A clone's pack has deltas between similar objects; fast-import's mostly not.
    git -C "$repo" repack -adfq
    echo "generated in $(( $(date +%s) - start ))s" >&2
fi

if [ "$build" = 1 ]; then
    (cd "$root" && cargo build --release --quiet --features zlib-ng --example changeset --bin secarch)
fi
example=$root/target/release/examples/changeset
secarch=$root/target/release/secarch

cmds=(git "git -C $repo diff --name-status -M main...feature")
if [ "$stat" = 1 ]; then
    cmds+=(git-stat "git -C $repo diff -M --stat main...feature")
fi
if [ -x "$secarch" ] && "$secarch" check --help 2>&1 | grep -q -- '--base'; then
    cmds+=(check "$secarch check --repo $repo --base main --head feature --format json")
    if [ -n "$old" ]; then
        cmds+=(check-old "$old check --repo $repo --base main --head feature --format json")
    fi
else
    echo "note: secarch has no 'check' command yet; measuring examples/changeset only" >&2
fi
if [ "$heavy" = 0 ]; then
    cmds+=(changeset "$example --repo $repo --base main --head feature")
    cmds+=(changeset-1t "$example --repo $repo --base main --head feature --threads 1")
    cmds+=(changeset-full "$example --repo $repo --base main --head feature --rename-limit 20000")
fi
if [ "$libgit2" = 1 ]; then
    cmds+=(libgit2 "$example --repo $repo --base main --head feature --engine libgit2 --rename-limit 1000")
fi

echo "repository: $(git -C "$repo" ls-tree -r --name-only main | wc -l) files;" \
    "base $(git -C "$repo" merge-base main feature | cut -c1-12)," \
    "head $(git -C "$repo" rev-parse feature | cut -c1-12);" \
    "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$runs" "${cmds[@]}" <<'PY'
import os, shlex, statistics, subprocess, sys, time

runs = int(sys.argv[1])
pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))

def run(cmd):
    """Wall seconds, CPU seconds, peak RSS (KiB), exit code, stdout, stderr of one process."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    start = time.perf_counter()
    proc = subprocess.Popen(shlex.split(cmd), stdout=out_w, stderr=err_w, stdin=subprocess.DEVNULL)
    os.close(out_w)
    os.close(err_w)
    out = b"".join(iter(lambda: os.read(out_r, 1 << 16), b""))
    err = b"".join(iter(lambda: os.read(err_r, 1 << 16), b""))
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    os.close(out_r)
    os.close(err_r)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, proc.returncode, out, err

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
stat = "git-stat" if "git-stat" in samples else None
print(f"\n{runs} runs each, medians; ratios against {base}"
      + (f" (and wall/cpu against {stat})" if stat else ""))
extra = " wall/stat | cpu/stat |" if stat else ""
print(f"| {'command':<15} | wall s | min s | cpu s | peak RSS MiB | wall ratio | cpu ratio | RSS ratio |{extra} result")
print(f"|{'-'*17}|--------|-------|-------|--------------|------------|-----------|-----------|"
      + ("-----------|----------|" if stat else "") + "-------")
for label, _ in pairs:
    wall, cpu, rss = med(label, 0), med(label, 1), med(label, 2)
    mn = min(s[0] for s in samples[label])
    _, _, _, code, out, err = last[label]
    if label == "git-stat":
        lines = out.decode(errors="replace").splitlines()
        result = lines[-1].strip() if lines else ""
    elif label == "git":
        lines = out.decode(errors="replace").splitlines()
        kinds = {}
        for line in lines:
            kinds[line[:1]] = kinds.get(line[:1], 0) + 1
        result = f"{len(lines)} lines {dict(sorted(kinds.items()))}"
    else:
        result = out.decode(errors="replace").strip().replace("\n", " ")[:160]
    if code != 0 and not label.startswith("check"):
        result += f" (exit {code}: {err.decode(errors='replace').strip()[:200]})"
    print(f"| {label:<15} | {wall:6.3f} | {mn:5.3f} | {cpu:5.3f} | {rss / 1024:12.1f} | "
          f"{wall / med(base, 0):10.2f} | {cpu / max(med(base, 1), 1e-9):9.2f} | "
          f"{rss / med(base, 2):9.2f} | "
          + (f"{wall / med(stat, 0):9.2f} | {cpu / max(med(stat, 1), 1e-9):8.2f} | " if stat else "")
          + result)
if "check" in last and "check-old" in last:
    same = last["check"][4] == last["check-old"][4]
    print(f"\ncheck and check-old print the same report: {'yes' if same else 'NO'}")
warn = last[base][5].decode(errors="replace").strip()
if warn:
    print(f"\n{base} said: {warn}")
PY
