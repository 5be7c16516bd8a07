#!/usr/bin/env python3
"""Write a `git fast-import` stream for the history benchmark of `secarch log` (deterministic).

A repository the size of the change-set benchmark's (gen-bench-repo.py: ~100k files in
nested directories, 50 modules) with a long, realistic history on `main`: COMMITS commits on
its first-parent line (default 10,000) after the initial import, plus the topic commits the
merges bring in. Most commits touch 1-5 source files
(edits, a few additions, deletions and renames); about one in eight also touches a file
secarch watches (a module's Dockerfile, package.json, Cargo.toml, Kubernetes Service, or a
CI workflow), with a mix of edits that trigger (a port exposed, a web framework added, a
Service opened, a new workflow job) and edits that do not (version bumps). Every 25th
commit on `main` is a merge of a two-commit topic branch, as a repository that lands pull
requests by merge commits has. The initial import is a root commit that adds the whole
tree: `secarch log` compares it with the empty tree.

Usage: gen-history-repo.py [COMMITS] [--files N] | git fast-import --quiet
"""
import sys

args = sys.argv[1:]
FILES = 100_000
if "--files" in args:
    i = args.index("--files")
    FILES = int(args[i + 1])
    del args[i:i + 2]
COMMITS = int(args[0]) if args else 10_000
MODULES = 50
out = sys.stdout.buffer
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
         "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"]


class Rng:
    """A small LCG: the same stream on every Python, so the repository is reproducible."""

    def __init__(self, seed):
        self.state = seed

    def next(self, n):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.state >> 33) % n


rng = Rng(20261203)


def path(i):
    a, rest = divmod(i, FILES // MODULES or 1)
    b, _ = divmod(rest, max(1, (FILES // MODULES) // 40))
    deep = "/deep/er" if i % 97 == 0 else ""
    return f"src/m{a % MODULES:02d}/p{b:02d}{deep}/file_{i:06d}.txt"


def content(i, version=0):
    lines = [f"// {path(i)} v{version}\n"]
    n = 8 + (i * 7919) % 40
    for k in range(n):
        w = WORDS[(i + k * 31 + version) % len(WORDS)]
        lines.append(f"{w} {i} {k} {(i * 131 + k * 17 + version) % 100003}\n")
    return "".join(lines).encode()


def inline(p, data):
    if isinstance(data, str):
        data = data.encode()
    return b"M 100644 inline %s\ndata %d\n%s\n" % (p.encode(), len(data), data)


def commit(ref, msg, ts, parents, ops, mark=None):
    """`parents`: ("from" | "merge", ref) pairs; none continues the branch."""
    m = msg.encode()
    out.write(b"commit %s\n" % ref.encode())
    if mark:
        out.write(b"mark :%d\n" % mark)
    out.write(b"author Dev <dev@example.com> %d +0000\n" % ts)
    out.write(b"committer Dev <dev@example.com> %d +0000\n" % ts)
    out.write(b"data %d\n%s\n" % (len(m), m))
    for kind, p in parents:
        out.write(b"%s %s\n" % (kind.encode(), p.encode()))
    for op in ops:
        out.write(op)
    out.write(b"\n")


# The watched files of each module, as state that commits move forward.
state = {
    a: {"ports": [8000 + a], "deps": {"lodash": 17}, "cargo": {"serde": 200},
        "service": "ClusterIP", "base": 11}
    for a in range(MODULES)
}
workflow_jobs = ["test"]
workflow_pin = [1]


def dockerfile(a):
    s = state[a]
    expose = "".join(f"EXPOSE {p}\n" for p in s["ports"])
    return f"FROM node:20.{s['base']}-bookworm-slim\nUSER app\nCOPY . /app\n{expose}"


def package_json(a):
    deps = ", ".join(f'"{d}": "4.{v}.0"' for d, v in sorted(state[a]["deps"].items()))
    return f'{{"name": "m{a:02d}", "dependencies": {{{deps}}}}}\n'


def cargo_toml(a):
    deps = "".join(f'{d} = "1.0.{v}"\n' for d, v in sorted(state[a]["cargo"].items()))
    return f'[package]\nname = "m{a:02d}"\nversion = "0.1.0"\n\n[dependencies]\n{deps}'


def service(a):
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: m{a:02d}\n"
            f"spec:\n  type: {state[a]['service']}\n  ports:\n    - port: 80\n")


def workflow():
    jobs = "".join(
        f"  {j}:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: actions/checkout@v4.{workflow_pin[0]}.0\n      - run: make {j}\n"
        for j in workflow_jobs)
    return f"name: ci\non: [push]\njobs:\n{jobs}"


def watched_files(a):
    m = f"src/m{a:02d}"
    return [(f"{m}/Dockerfile", dockerfile(a)), (f"{m}/package.json", package_json(a)),
            (f"{m}/Cargo.toml", cargo_toml(a)), (f"{m}/k8s/service.yaml", service(a))]


def watched_edit(n):
    """One edit of a watched file: about half trigger, half are version bumps."""
    a = rng.next(MODULES)
    kind = rng.next(9)
    s = state[a]
    m = f"src/m{a:02d}"
    if kind == 0:
        s["ports"].append(9000 + n % 1000)
        return inline(f"{m}/Dockerfile", dockerfile(a)), "expose a port"
    if kind == 1:
        s["base"] += 1
        return inline(f"{m}/Dockerfile", dockerfile(a)), "bump the base image"
    if kind == 2:
        s["deps"]["express" if "express" not in s["deps"] else f"lib{n}"] = 1
        return inline(f"{m}/package.json", package_json(a)), "add a dependency"
    if kind in (3, 4):
        s["deps"]["lodash"] += 1
        return inline(f"{m}/package.json", package_json(a)), "bump lodash"
    if kind == 5:
        s["cargo"]["serde"] += 1
        return inline(f"{m}/Cargo.toml", cargo_toml(a)), "bump serde"
    if kind == 6:
        s["service"] = "NodePort" if s["service"] == "ClusterIP" else "ClusterIP"
        return inline(f"{m}/k8s/service.yaml", service(a)), "change the service type"
    if kind == 7:
        workflow_pin[0] += 1
        return inline(".github/workflows/ci.yml", workflow()), "bump actions/checkout"
    workflow_jobs.append(f"job{n}")
    return inline(".github/workflows/ci.yml", workflow()), "add a CI job"


version = {}
alive = set(range(FILES))
renamed = {}
next_new = [FILES]


def source_edits(n):
    """1-5 changes to source files: mostly edits, some additions, deletions, renames."""
    ops = []
    for _ in range(1 + rng.next(5)):
        r = rng.next(20)
        if r < 15:
            i = rng.next(FILES)
            if i not in alive:
                continue
            version[i] = version.get(i, 0) + 1
            ops.append(inline(renamed.get(i, path(i)), content(i, version[i])))
        elif r < 17:
            i = next_new[0]
            next_new[0] += 1
            ops.append(inline(f"src/m{i % MODULES:02d}/new/file_{i:06d}.txt", content(i)))
        elif r < 18:
            i = rng.next(FILES)
            if i in alive and i not in renamed:
                alive.discard(i)
                ops.append(b"D %s\n" % path(i).encode())
        else:
            i = rng.next(FILES)
            if i in alive and i not in renamed:
                new = path(i).replace("/file_", "/moved_")
                renamed[i] = new
                ops.append(b"R %s %s\n" % (path(i).encode(), new.encode()))
    return ops


def main():
    ts = 1_700_000_000
    base_ops = [inline(path(i), content(i)) for i in range(FILES)]
    for a in range(MODULES):
        base_ops += [inline(p, t) for p, t in watched_files(a)]
    base_ops.append(inline(".github/workflows/ci.yml", workflow()))
    commit("refs/heads/main", "initial import", ts, [], base_ops)
    n = 0
    while n < COMMITS:
        ts += 600
        if n % 25 == 24:
            # A topic branch of two commits, merged with a merge commit.
            commit("refs/heads/topic", f"topic {n}: part 1", ts, [("from", "refs/heads/main")],
                   source_edits(n))
            ops = source_edits(n + 1)
            msg = f"topic {n}: part 2"
            if rng.next(4) == 0:
                op, what = watched_edit(n)
                ops.append(op)
                msg += f": {what}"
            commit("refs/heads/topic", msg, ts + 60, [], ops)
            commit("refs/heads/main", f"Merge topic {n}", ts + 120,
                   [("merge", "refs/heads/topic")], [])
            n += 1
            continue
        ops = source_edits(n)
        msg = f"change {n}"
        if rng.next(8) == 0:
            op, what = watched_edit(n)
            ops.append(op)
            msg += f": {what}"
        commit("refs/heads/main", msg, ts, [], ops)
        n += 1


main()
