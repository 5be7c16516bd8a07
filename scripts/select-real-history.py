#!/usr/bin/env python3
"""Select the commits of the real-history labelled set (bench/real-history/).

Deterministic: a fixed seed, each repository read at its fixed snapshot HEAD (the
`head_commit` of its co-change file), so the same mirrors always give the same
sample. The sample is drawn *before* anything runs secarch on these commits, and
the labels are written by a person from the diffs, blind to the tool.

Per repository, in this order (a commit keeps the first kind that picked it):
  cochange-arch+doc   every `arch+doc` commit of the co-change file
  cochange-arch-only  about a third of the listed `arch-only` commits (random)
  random              non-merge commits over the whole history, weighted towards
                      recent years (commits of the last RECENT_YEARS years count
                      RECENT_WEIGHT times)
  noisy-file          commits touching likely-noisy files: CI workflows, Dockerfiles,
                      compose files, Helm charts/values, dependency manifests,
                      license-header or formatting sweeps (by subject), files
                      below folders named auth/security/fhir; drawn round-robin
                      over those kinds so each is represented

Usage:
  scripts/select-real-history.py --mirrors DIR [--fixtures DIR] [--seed N]
DIR holds one bare mirror per repository as DIR/<owner>+<name>/repo (or the env
var SECARCH_MIRRORS). Fixtures: --fixtures, else $SECARCH_FIXTURES, else
../shared/fixtures. Prints TSV `repo commit sample subject` on stdout.
"""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys

SEED = 81001531
RECENT_YEARS = 3
RECENT_WEIGHT = 3.0

# repo -> (co-change file, random count, noisy count)
REPOS = {
    "nightscout/cgm-remote-monitor": ("nightscout-cochange.json", 15, 14),
    "icanbwell/fhir-server": ("icanbwell-fhir-server-cochange.json", 15, 14),
    "apache/groovy": ("apache-groovy-cochange.json", 20, 17),
}

NOISY_KINDS = [
    ("workflow", re.compile(r"^\.github/workflows/")),
    ("docker", re.compile(r"(^|/)(Dockerfile[^/]*|[^/]*\.dockerfile|docker-compose[^/]*|[^/]*-compose\.ya?ml)$", re.I)),
    ("helm", re.compile(r"(^|/)(Chart\.yaml|values[^/]*\.ya?ml)$")),
    ("manifest", re.compile(r"(^|/)(package\.json|build\.gradle(\.kts)?|pom\.xml|go\.mod)$")),
    ("folder", re.compile(r"(^|/)(auth|security|fhir)/")),
]
SWEEP_SUBJECT = re.compile(r"licen[cs]e header|copyright header|\bASF header|reformat|formatting|spotless|prettier|whitespace|checkstyle|code style|lint fix", re.I)


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], check=True,
                          capture_output=True, text=True, errors="replace").stdout


def history(gitdir, head):
    """(commit, unix time, subject, [paths]) of every non-merge commit reachable from head."""
    out = git(gitdir, "log", "--no-merges", "--no-renames", "--format=%x00%H%x09%ct%x09%s",
              "--name-only", head)
    commits = []
    for block in out.split("\0")[1:]:
        lines = block.split("\n")
        cid, ts, subject = lines[0].split("\t", 2)
        paths = [p for p in lines[1:] if p]
        commits.append((cid, int(ts), subject, paths))
    return commits


def weighted_sample(rng, items, weights, k):
    """k items without replacement, item i kept with weight w_i (Efraimidis-Spirakis)."""
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [items[i] for _, i in keyed[:k]]


def select(repo, gitdir, cochange, n_random, n_noisy, seed):
    rng = random.Random(f"{seed}:{repo}")
    head = cochange["head_commit"]
    commits = history(gitdir, head)
    by_id = {c[0]: c for c in commits}
    chosen = {}  # commit -> sample kind, insertion-ordered

    def take(cid, kind):
        if cid in by_id and cid not in chosen:
            chosen[cid] = kind

    cases = cochange["cases"]
    for c in cases:
        if c["label"] == "arch+doc":
            take(c["commit"], "cochange-arch+doc")
    arch_only = sorted(c["commit"] for c in cases if c["label"] == "arch-only")
    for cid in rng.sample(arch_only, math.ceil(len(arch_only) / 3)):
        take(cid, "cochange-arch-only")

    newest = max(c[1] for c in commits)
    recent = newest - RECENT_YEARS * 365 * 86400
    pool = [c for c in commits if c[0] not in chosen]
    weights = [RECENT_WEIGHT if c[1] >= recent else 1.0 for c in pool]
    for c in weighted_sample(rng, pool, weights, n_random):
        take(c[0], "random")

    buckets = []
    for name, pattern in NOISY_KINDS:
        hits = sorted(c[0] for c in commits if any(pattern.search(p) for p in c[3]))
        buckets.append((name, hits))
    buckets.append(("sweep", sorted(c[0] for c in commits if SWEEP_SUBJECT.search(c[2]))))
    for _, hits in buckets:
        rng.shuffle(hits)
    taken = 0
    while taken < n_noisy and any(hits for _, hits in buckets):
        for _, hits in buckets:
            while hits:
                cid = hits.pop()
                if cid not in chosen:
                    take(cid, "noisy-file")
                    taken += 1
                    break
            if taken >= n_noisy:
                break
    return [(cid, kind, by_id[cid][2]) for cid, kind in chosen.items()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", default=os.environ.get("SECARCH_MIRRORS"),
                    help="directory with <owner>+<name>/repo bare mirrors (env SECARCH_MIRRORS)")
    ap.add_argument("--fixtures", default=os.environ.get("SECARCH_FIXTURES", "../shared/fixtures"))
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    if not args.mirrors:
        sys.exit("error: give the mirrors directory with --mirrors DIR or SECARCH_MIRRORS")
    print("repo\tcommit\tsample\tsubject")
    for repo, (fname, n_random, n_noisy) in REPOS.items():
        gitdir = os.path.join(args.mirrors, repo.replace("/", "+"), "repo")
        path = os.path.join(args.fixtures, "real-repo-candidates", fname)
        with open(path, encoding="utf-8") as f:
            cochange = json.load(f)
        for cid, kind, subject in select(repo, gitdir, cochange, n_random, n_noisy, args.seed):
            print(f"{repo}\t{cid}\t{kind}\t{subject}")


if __name__ == "__main__":
    main()
