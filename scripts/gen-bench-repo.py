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

With --heavy-watched (BENCHMARKS.md, "Heavy watched changes"): ~60k files, 400
services each with a Dockerfile, an OpenAPI description, a docker-compose file
and Kubernetes manifests; `feature` changes ~6k files, ~1.3k of them watched
manifests with realistic edits (base images bumped, ports exposed, operations
added, security removed, replicas and images changed), so the check reads and
analyses the content of every one of them.
Usage: gen-bench-repo.py [FILES] [--heavy-watched] | git fast-import --quiet
"""
import sys

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
HEAVY = "--heavy-watched" in sys.argv[1:]
FILES = int(ARGS[0]) if ARGS else (60_000 if HEAVY else 100_000)
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


def default():
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


SERVICES = 400
RESOURCES = ["patients", "encounters", "observations", "devices", "orders", "reports",
             "images", "studies", "alarms", "users", "sessions", "audits", "schedules",
             "locations", "practitioners", "medications"]


def dockerfile(s, change=None):
    base = "node:20.12-bookworm-slim" if change == "bump" else "node:20.11-bookworm-slim"
    expose = f"EXPOSE {9000 + s}\n" if change == "expose" else ""
    return (
        f"# service s{s:03d}\n"
        f"FROM {base} AS build\n"
        "WORKDIR /src\n"
        "COPY package.json package-lock.json ./\n"
        "RUN npm ci --ignore-scripts\n"
        "COPY . .\n"
        "RUN npm run build && npm prune --omit=dev\n"
        "\n"
        "FROM gcr.io/distroless/nodejs20-debian12\n"
        f"LABEL org.opencontainers.image.title=\"s{s:03d}\"\n"
        "WORKDIR /app\n"
        "COPY --from=build /src/node_modules ./node_modules\n"
        "COPY --from=build /src/dist ./dist\n"
        "ENV NODE_ENV=production\n"
        f"ENV SERVICE_NAME=s{s:03d}\n"
        "USER 10001\n"
        f"{expose}"
        "HEALTHCHECK --interval=30s CMD [\"/nodejs/bin/node\", \"dist/health.js\"]\n"
        "CMD [\"dist/main.js\"]\n"
    )


def openapi(s, change=None):
    n = 10 + s % 12
    lines = [
        "openapi: 3.0.3\n", "info:\n", f"  title: Service s{s:03d}\n",
        f"  version: 1.{s % 7}.{'1' if change == 'describe' else '0'}\n",
        f"  description: Internal API of service s{s:03d}.\n",
        "servers:\n", f"  - url: https://s{s:03d}.internal.example.org/v1\n",
        "security:\n", "  - bearerAuth: []\n", "paths:\n",
    ]
    resources = [RESOURCES[(s + k) % len(RESOURCES)] + ("" if k < 16 else str(k)) for k in range(n)]
    if change == "operation":
        resources.append(f"exports{s}")
    for k, r in enumerate(resources):
        lines += [
            f"  /{r}:\n", "    get:\n", f"      operationId: list_{r}\n",
            f"      summary: List {r}\n", "      parameters:\n",
            "        - name: limit\n", "          in: query\n",
            "          schema:\n", "            type: integer\n",
            "      responses:\n", "        \"200\":\n", "          description: OK\n",
            "          content:\n", "            application/json:\n", "              schema:\n",
            "                type: array\n", "                items:\n",
            f"                  $ref: '#/components/schemas/{r.capitalize()}'\n",
            "    post:\n", f"      operationId: create_{r}\n",
        ]
        if change == "unsecure" and k == 0:
            lines += ["      security: []\n"]
        lines += [
            "      requestBody:\n", "        required: true\n", "        content:\n",
            "          application/json:\n", "            schema:\n",
            f"              $ref: '#/components/schemas/{r.capitalize()}'\n",
            "      responses:\n", "        \"201\":\n", "          description: Created\n",
            f"  /{r}/{{id}}:\n", "    get:\n", f"      operationId: get_{r}\n",
            "      parameters:\n", "        - name: id\n", "          in: path\n",
            "          required: true\n", "          schema:\n", "            type: string\n",
            "      responses:\n", "        \"200\":\n", "          description: OK\n",
            "        \"404\":\n", "          description: Not found\n",
        ]
    lines += ["components:\n", "  securitySchemes:\n", "    bearerAuth:\n",
              "      type: http\n", "      scheme: bearer\n", "      bearerFormat: JWT\n",
              "  schemas:\n"]
    for r in resources:
        lines += [f"    {r.capitalize()}:\n", "      type: object\n", "      properties:\n",
                  "        id:\n", "          type: string\n", "        created:\n",
                  "          type: string\n", "          format: date-time\n",
                  "        status:\n", "          type: string\n",
                  "          enum: [active, inactive, pending]\n"]
    return "".join(lines)


def deployment(s, change=None):
    tag = f"1.{s % 9}.{1 if change == 'image' else 0}"
    replicas = 3 + s % 3
    privileged = ("          securityContext:\n            privileged: true\n"
                  if change == "privileged" else
                  "          securityContext:\n            runAsNonRoot: true\n"
                  "            readOnlyRootFilesystem: true\n"
                  "            allowPrivilegeEscalation: false\n")
    host = "      hostNetwork: true\n" if change == "privileged" else ""
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        f"  name: s{s:03d}\n  namespace: clinical\n  labels:\n    app: s{s:03d}\n"
        f"spec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: s{s:03d}\n"
        f"  template:\n    metadata:\n      labels:\n        app: s{s:03d}\n    spec:\n{host}"
        "      serviceAccountName: default\n      containers:\n"
        f"        - name: s{s:03d}\n"
        f"          image: registry.example.org/clinical/s{s:03d}:{tag}\n"
        "          ports:\n            - containerPort: 8080\n"
        "          env:\n            - name: LOG_LEVEL\n              value: info\n"
        f"            - name: SERVICE_NAME\n              value: s{s:03d}\n"
        "          resources:\n            requests:\n              cpu: 100m\n"
        "              memory: 128Mi\n            limits:\n              memory: 256Mi\n"
        "          readinessProbe:\n            httpGet:\n              path: /health\n"
        "              port: 8080\n"
        f"{privileged}"
    )


def service(s, change=None):
    kind = "LoadBalancer" if change == "public" else "ClusterIP"
    port = 8443 if change == "port" else 80
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: s{s:03d}\n  namespace: clinical\n"
        f"spec:\n  type: {kind}\n  selector:\n    app: s{s:03d}\n  ports:\n"
        f"    - name: http\n      port: {port}\n      targetPort: 8080\n"
    )


def compose(s, change=None):
    ports = f"    ports:\n      - \"{7000 + s}:8080\"\n" if change == "ports" else ""
    return (
        "services:\n"
        f"  s{s:03d}:\n    build: .\n    image: s{s:03d}:dev\n"
        f"    environment:\n      SERVICE_NAME: s{s:03d}\n      DATABASE_URL: postgres://db/s{s:03d}\n"
        f"{ports}"
        "    depends_on:\n      - db\n"
        "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n"
        "    volumes:\n      - db-data:/var/lib/postgresql/data\n"
        "volumes:\n  db-data: {}\n"
    )


def service_files(s, change=None, which=None):
    """The watched files of service `s` as (path, content); `change` alters `which`."""
    d = f"services/s{s:03d}"
    make = [("Dockerfile", dockerfile), ("api/openapi.yaml", openapi),
            ("docker-compose.yml", compose), ("k8s/deployment.yaml", deployment),
            ("k8s/service.yaml", service)]
    return [(f"{d}/{name}", f(s, change if name == which else None)) for name, f in make]


def heavy():
    def inline(p, data):
        return b"M 100644 inline %s\ndata %d\n%s\n" % (p.encode(), len(data), data)

    plain = FILES - SERVICES * 5
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer Bench <bench@example.com> 1700000000 +0000\n")
    out.write(b"data 4\nbase\n")
    for i in range(plain):
        out.write(inline(path(i), content(i)))
    for s in range(SERVICES):
        for p, text in service_files(s):
            out.write(inline(p, text.encode()))
    out.write(b"\n")
    out.write(b"reset refs/tags/bench-base\nfrom refs/heads/main\n\n")

    # ~4.7k ordinary changes (every 10th file is a candidate), scaled like the default.
    scale = plain / 58_000
    touched = [i for i in range(plain) if i % 10 == 3]
    counts = [int(x * scale) for x in (2500, 800, 400, 400)]
    mod, ren, ren_edit, dele = [], [], [], []
    at = 0
    for lst, n in zip((mod, ren, ren_edit, dele), counts):
        lst.extend(touched[at:at + n])
        at += n
    ops = []
    for i in mod:
        ops.append(inline(path(i), content(i) + b"modified line %d\n" % i))
    for i in ren:
        ops.append(b"R %s %s\n" % (path(i).encode(), path(i).replace("/file_", "/moved/renamed_").encode()))
    for i in ren_edit:
        new = path(i).replace("src/", "lib/").replace("/file_", "/edited_")
        ops.append(b"D %s\n" % path(i).encode())
        ops.append(inline(new, content(i) + b"edited after move %d\n" % i))
    for i in dele:
        ops.append(b"D %s\n" % path(i).encode())
    for k in range(int(600 * scale)):
        ops.append(inline(f"added/a{k % 20:02d}/new_{k:05d}.txt", content(FILES + k, salt=" new")))
    # 1,300 watched manifests: (services, file, change).
    plan = [
        (range(0, 250), "Dockerfile", "bump"),              # base image bumped: no signal
        (range(250, 350), "Dockerfile", "expose"),          # a port exposed
        (range(0, 250), "api/openapi.yaml", "operation"),   # a new operation
        (range(250, 300), "api/openapi.yaml", "unsecure"),  # security removed from one
        (range(300, 350), "api/openapi.yaml", "describe"),  # version bump only
        (range(50, 250), "k8s/deployment.yaml", "image"),   # image tag bumped
        (range(250, 350), "k8s/deployment.yaml", "privileged"),
        (range(100, 250), "k8s/service.yaml", "port"),
        (range(250, 300), "k8s/service.yaml", "public"),    # opened to the internet
        (range(200, 300), "docker-compose.yml", "ports"),   # a port published
    ]
    for services, which, change in plan:
        for s in services:
            p, text = next(f for f in service_files(s, change, which) if f[0].endswith("/" + which))
            ops.append(inline(p, text.encode()))
    commit("refs/heads/feature", "change ~6k files, 1.3k watched manifests", 1700000100,
           "refs/tags/bench-base", ops)

    data = b"unrelated change on main\n"
    commit("refs/heads/main", "unrelated", 1700000200, None,
           [b"M 100644 inline NOTES.md\ndata %d\n%s\n" % (len(data), data)])


if HEAVY:
    heavy()
else:
    default()
