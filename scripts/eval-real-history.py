#!/usr/bin/env python3
"""Measure secarch against the labelled real-history set (bench/real-history/labels.tsv).

For every labelled commit, run `secarch check --format json --base <first parent> --head <commit>` on a
repository made from that project's bare mirror, call the commit "triggered" when the JSON output lists
at least one trigger, and compare with the hand label (`review` = should trigger). Prints, per
repository and overall, TP/FP/FN/TN, precision and recall, then every wrong commit with its subject,
the label's reason and what secarch reported (categories and paths), then every commit secarch could
not check (exit code 2, timeout, unreadable output).

The labels were written blind, before this script existed (see bench/real-history/README.md); this
script never changes them.

Usage:
  scripts/eval-real-history.py --mirrors DIR [--secarch target/debug/secarch]
                               [--policy-dir DIR] [--only owner/name] [--timeout S] [--json]
Mirrors: DIR/<owner>+<name>/repo, bare (or env SECARCH_MIRRORS). Policies: with --policy-dir, the
file DIR/<name>.yml (e.g. fhir-server.yml) is passed as --policy for that repository; a repository
without one uses secarch's embedded default. Python 3 standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LABELS = os.path.join(ROOT, "bench", "real-history", "labels.tsv")
# git's empty tree: the only base a root commit has
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def read_labels(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != ["repo", "commit", "label", "sample", "reason"]:
            sys.exit(f"error: {path}: unexpected header {header}; expected repo commit label sample reason")
        rows = []
        for n, line in enumerate(f, start=2):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 5 or fields[2] not in ("review", "no-review"):
                sys.exit(f"error: {path}:{n}: expected 5 tab-separated fields with label review|no-review")
            rows.append(dict(zip(header, fields)))
    return rows


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True, text=True,
                          errors="replace")


def make_repo(mirror, workdir):
    """A non-bare clone sharing the mirror's objects (no copy, no checkout) for secarch to open."""
    subprocess.run(["git", "clone", "--quiet", "--shared", "--no-checkout", mirror, workdir],
                   check=True, capture_output=True)
    return workdir


def commit_info(gitdir, commit):
    out = git(gitdir, "log", "-1", "--format=%P%x00%s", commit)
    if out.returncode != 0:
        return None, None
    parents, subject = out.stdout.rstrip("\n").split("\0", 1)
    return (parents.split() or [None])[0], subject


def run_check(secarch, repo, base, head, policy, timeout):
    """(triggered, detail, error): detail = {categories, triggers, quiet} from the JSON output."""
    cmd = [secarch, "check", "--repo", repo, "--base", base, "--head", head, "--format", "json",
           "--color", "never"]
    if policy:
        cmd += ["--policy", policy]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None, f"timed out after {timeout} s"
    if proc.returncode not in (0, 1):
        msg = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        return None, None, f"exit {proc.returncode}: " + (" | ".join(msg[:3]) if msg else "no output")
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        return None, None, f"exit {proc.returncode}, output is not JSON ({e})"
    triggers = out.get("triggers") or []
    detail = {
        "categories": sorted({t.get("category", "?") for t in triggers}),
        "triggers": [{"category": t.get("category"), "path": t.get("path"),
                      "signals": [s.get("message") for s in t.get("signals") or []]}
                     for t in triggers],
        # quiet decisions (bumps, cosmetic edits) if this secarch reports them: kept for the reader
        "quiet": {k: out[k] for k in ("bumps", "cosmetic", "quiet") if out.get(k)},
    }
    return bool(triggers), detail, None


def ratio(num, den):
    return round(num / den, 3) if den else None


def score(results):
    c = {"TP": 0, "FP": 0, "FN": 0, "TN": 0}
    for r in results:
        if r["error"]:
            continue
        review = r["label"] == "review"
        c[("T" if review == r["triggered"] else "F") + ("P" if r["triggered"] else "N")] += 1
    c["precision"] = ratio(c["TP"], c["TP"] + c["FP"])
    c["recall"] = ratio(c["TP"], c["TP"] + c["FN"])
    c["errors"] = sum(1 for r in results if r["error"])
    c["commits"] = len(results)
    return c


def fmt(x):
    return "n/a" if x is None else f"{x:.3f}"


def print_human(summary, results):
    print(f"{'repository':32} {'n':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} {'err':>4} "
          f"{'precision':>9} {'recall':>7}")
    for name, c in summary.items():
        print(f"{name:32} {c['commits']:>4} {c['TP']:>4} {c['FP']:>4} {c['FN']:>4} {c['TN']:>4} "
              f"{c['errors']:>4} {fmt(c['precision']):>9} {fmt(c['recall']):>7}")
    wrong = [r for r in results if not r["error"] and r["triggered"] != (r["label"] == "review")]
    print(f"\nwrong commits ({len(wrong)}):")
    for r in wrong:
        kind = "FP" if r["triggered"] else "FN"
        print(f"\n{kind} {r['repo']} {r['commit'][:12]} [{r['sample']}] {r['subject']}")
        print(f"   label {r['label']}: {r['reason']}")
        d = r["secarch"]
        if d["triggers"]:
            print(f"   secarch triggered: {', '.join(d['categories'])}")
            for t in d["triggers"][:8]:
                sig = f"  ({'; '.join(t['signals'][:2])})" if t["signals"] else ""
                print(f"     {t['category']}: {t['path']}{sig}")
            if len(d["triggers"]) > 8:
                print(f"     … {len(d['triggers']) - 8} more")
        else:
            print("   secarch: no trigger")
        for k, v in d["quiet"].items():
            print(f"   secarch {k}: {json.dumps(v)[:300]}")
    errors = [r for r in results if r["error"]]
    print(f"\ncommits secarch could not check ({len(errors)}):")
    for r in errors:
        print(f"  {r['repo']} {r['commit'][:12]} {r['subject']}: {r['error']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", default=os.environ.get("SECARCH_MIRRORS"),
                    help="directory with <owner>+<name>/repo bare mirrors (env SECARCH_MIRRORS)")
    ap.add_argument("--secarch", default=os.path.join(ROOT, "target", "debug", "secarch"),
                    help="secarch binary to measure (default: target/debug/secarch)")
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--policy-dir", help="directory with <name>.yml per repository, passed as --policy")
    ap.add_argument("--only", action="append", help="only this repository (owner/name); repeatable")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per commit (default 300)")
    ap.add_argument("--json", action="store_true", help="machine-readable result on stdout")
    args = ap.parse_args()
    if not args.mirrors:
        sys.exit("error: give the mirrors directory with --mirrors DIR or SECARCH_MIRRORS")
    if not os.access(args.secarch, os.X_OK):
        sys.exit(f"error: {args.secarch} is not an executable; build it with `cargo build --locked`")

    rows = read_labels(args.labels)
    repos = sorted({r["repo"] for r in rows} & set(args.only or [r["repo"] for r in rows]))
    if not repos:
        sys.exit("error: no labelled commits for the repositories given with --only")
    results, policies = [], {}
    tmp = tempfile.mkdtemp(prefix="secarch-eval-")
    try:
        for repo in repos:
            mirror = os.path.join(args.mirrors, repo.replace("/", "+"), "repo")
            if not os.path.isdir(mirror):
                sys.exit(f"error: no mirror for {repo} at {mirror}")
            policy = None
            if args.policy_dir:
                candidate = os.path.join(args.policy_dir, repo.split("/")[1] + ".yml")
                policy = os.path.abspath(candidate) if os.path.isfile(candidate) else None
            policies[repo] = policy or "embedded default"
            work = make_repo(mirror, os.path.join(tmp, repo.replace("/", "+")))
            for row in (r for r in rows if r["repo"] == repo):
                parent, subject = commit_info(mirror, row["commit"])
                res = dict(row, subject=subject, triggered=None, secarch=None, error=None)
                if subject is None:
                    res["error"] = "commit not found in the mirror"
                else:
                    trig, detail, err = run_check(args.secarch, work, parent or EMPTY_TREE,
                                                  row["commit"], policy, args.timeout)
                    res.update(triggered=trig, secarch=detail, error=err)
                results.append(res)
                print(f"{repo} {row['commit'][:12]} {'error' if res['error'] else res['triggered']}",
                      file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    summary = {repo: score([r for r in results if r["repo"] == repo]) for repo in repos}
    summary["overall"] = score(results)
    if args.json:
        json.dump({"secarch": args.secarch, "labels": os.path.relpath(args.labels, ROOT),
                   "policies": {k: (os.path.basename(v) if v != "embedded default" else v)
                                for k, v in policies.items()},
                   "summary": summary, "commits": results}, sys.stdout, indent=2)
        print()
    else:
        print("policies: " + ", ".join(f"{k}: {os.path.basename(v)}" for k, v in policies.items()))
        print_human(summary, results)


if __name__ == "__main__":
    main()
