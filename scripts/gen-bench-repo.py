#!/usr/bin/env python3
"""Write a `git fast-import` stream for the change-set benchmark (deterministic).

Base: ~100k files in nested directories. `main` adds one unrelated commit on top
of base; `feature` changes ~10k files relative to base:
~4k modified, ~3k renamed (2k exact, 1k with a small edit), ~2k added, ~1k deleted.
Each of the 50 top-level modules also holds files secarch watches (a Dockerfile,
package.json, Cargo.toml and a Kubernetes Service), and `feature` changes 50 of
them, so the check does real work beyond the diff: 30 trigger (EXPOSE added,
express or axum added, a Service opened to the internet, Dockerfiles moved away),
20 do not (version bumps), and the verdict is "action needed".
Usage: gen-bench-repo.py [FILES] | git fast-import --quiet
"""
import sys

FILES = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
out = sys.stdout.buffer
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
         "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"]


def path(i):
    # 50 top-level dirs x 40 subdirs x ~50 files; a few deeper dirs for variety.
    a, rest = divmod(i, FILES // 50 or 1)
    b, c = divmod(rest, max(1, (FILES // 50) // 40))
    deep = "/deep/er" if i % 97 == 0 else ""
    return f"src/m{a:02d}/p{b:02d}{deep}/file_{i:06d}.txt"


def content(i, salt=""):
    lines = [f"// {path(i)}{salt}\n"]
    n = 8 + (i * 7919) % 40
    for k in range(n):
        w = WORDS[(i + k * 31) % len(WORDS)]
        lines.append(f"{w} {i} {k} {(i * 131 + k * 17) % 100003}\n")
    return "".join(lines).encode()


mark = [0]


def blob(data):
    mark[0] += 1
    out.write(b"blob\nmark :%d\ndata %d\n" % (mark[0], len(data)))
    out.write(data)
    out.write(b"\n")
    return mark[0]


def commit(ref, msg, ts, parent, ops):
    m = msg.encode()
    out.write(b"commit %s\n" % ref.encode())
    out.write(b"committer Bench <bench@example.com> %d +0000\n" % ts)
    out.write(b"data %d\n%s\n" % (len(m), m))
    if parent:
        out.write(b"from %s\n" % parent.encode())
    for op in ops:
        out.write(op)
    out.write(b"\n")


# Base commit: every file as an inline blob keeps memory flat.
out.write(b"commit refs/heads/main\n")
out.write(b"committer Bench <bench@example.com> 1700000000 +0000\n")
out.write(b"data 4\nbase\n")
for i in range(FILES):
    data = content(i)
    out.write(b"M 100644 inline %s\ndata %d\n" % (path(i).encode(), len(data)))
    out.write(data)
    out.write(b"\n")
MODULES = 50


def watched(a, change=None):
    """The watched files of module `a`, as (path, content); `change` alters one."""
    port = f"EXPOSE {8000 + a}\n" if change == "expose" else ""
    deps = '"express": "4.21.2", ' if change == "express" else ""
    lodash = "4.17.21" if change != "bump-npm" else "4.17.22"
    serde = '"1.0.228"' if change == "bump-cargo" else '"1.0.200"'
    axum = 'axum = "0.8"\n' if change == "axum" else ""
    service = "LoadBalancer" if change == "public" else "ClusterIP"
    m = f"src/m{a:02d}"
    return [
        (f"{m}/Dockerfile", f"FROM debian:12\nUSER app\nCOPY . /app\n{port}"),
        (f"{m}/package.json",
         f'{{"name": "m{a:02d}", "dependencies": {{{deps}"lodash": "{lodash}"}}}}\n'),
        (f"{m}/Cargo.toml",
         f'[package]\nname = "m{a:02d}"\nversion = "0.1.0"\n\n[dependencies]\nserde = {serde}\n{axum}'),
        (f"{m}/k8s/service.yaml",
         f"apiVersion: v1\nkind: Service\nmetadata:\n  name: m{a:02d}\n"
         f"spec:\n  type: {service}\n  ports:\n    - port: 80\n"),
    ]


def inline(p, text):
    data = text.encode()
    return b"M 100644 inline %s\ndata %d\n%s\n" % (p.encode(), len(data), data)


for a in range(MODULES):
    for p, text in watched(a):
        out.write(inline(p, text))
out.write(b"\n")
out.write(b"reset refs/tags/bench-base\nfrom refs/heads/main\n\n")

# Disjoint index sets for each kind of change (every 10th file is touched).
scale = FILES / 100_000
touched = [i for i in range(FILES) if i % 10 == 3]
n_mod, n_ren, n_ren_edit, n_del = (int(x * scale) for x in (4000, 2000, 1000, 1000))
mod = touched[:n_mod]
ren = touched[n_mod:n_mod + n_ren]
ren_edit = touched[n_mod + n_ren:n_mod + n_ren + n_ren_edit]
dele = touched[n_mod + n_ren + n_ren_edit:n_mod + n_ren + n_ren_edit + n_del]
n_add = int(2000 * scale)

ops = []
for i in mod:
    data = content(i) + b"modified line %d\n" % i
    ops.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path(i).encode(), len(data), data))
for i in ren:
    new = path(i).replace("/file_", "/moved/renamed_")
    ops.append(b"R %s %s\n" % (path(i).encode(), new.encode()))
for i in ren_edit:
    new = path(i).replace("src/", "lib/").replace("/file_", "/edited_")
    data = content(i) + b"edited after move %d\n" % i
    ops.append(b"D %s\n" % path(i).encode())
    ops.append(b"M 100644 inline %s\ndata %d\n%s\n" % (new.encode(), len(data), data))
for i in dele:
    ops.append(b"D %s\n" % path(i).encode())
for k in range(n_add):
    p = f"added/a{k % 20:02d}/new_{k:05d}.txt"
    data = content(FILES + k, salt=" new")
    ops.append(b"M 100644 inline %s\ndata %d\n%s\n" % (p.encode(), len(data), data))
# The watched files: (modules, change, which of the module's files it alters).
for modules, change, which in [
    (range(0, 10), "expose", 0),       # container: a port opened
    (range(10, 20), "express", 1),     # dependency: a web framework added
    (range(20, 30), "bump-npm", 1),    # a version bump: no trigger
    (range(30, 35), "axum", 2),        # dependency: a web framework added
    (range(35, 45), "bump-cargo", 2),  # a version bump: no trigger
    (range(45, 48), "public", 3),      # network: a Service opened to the internet
]:
    for a in modules:
        p, text = watched(a, change)[which]
        ops.append(inline(p, text))
for a in range(48, MODULES):            # a Dockerfile moved out of the module
    p = watched(a)[0][0]
    ops.append(b"R %s %s\n" % (p.encode(), f"archive/m{a:02d}/Dockerfile.old".encode()))
commit("refs/heads/feature", "change ~10k files", 1700000100, "refs/tags/bench-base", ops)

# main moves on with an unrelated commit, so base...head needs the merge-base.
data = b"unrelated change on main\n"
commit("refs/heads/main", "unrelated", 1700000200, None,
       [b"M 100644 inline NOTES.md\ndata %d\n%s\n" % (len(data), data)])
