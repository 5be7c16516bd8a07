#!/usr/bin/env python3
"""Write a `git fast-import` stream for the change-set benchmark (deterministic).

Base: ~100k files in nested directories. `main` adds one unrelated commit on top
of base; `feature` changes ~10k files relative to base:
~4k modified, ~3k renamed (2k exact, 1k with a small edit), ~2k added, ~1k deleted.
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
commit("refs/heads/feature", "change ~10k files", 1700000100, "refs/tags/bench-base", ops)

# main moves on with an unrelated commit, so base...head needs the merge-base.
data = b"unrelated change on main\n"
commit("refs/heads/main", "unrelated", 1700000200, None,
       [b"M 100644 inline NOTES.md\ndata %d\n%s\n" % (len(data), data)])
