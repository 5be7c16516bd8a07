#!/usr/bin/env bash
# Webhook acknowledgement benchmark (BENCHMARKS.md, "Acknowledgements against Probot 14").
#
# How many signed `pull_request` deliveries per second `secarch serve` acknowledges, against a
# minimal Probot 14 app (two no-op handlers: `pull_request.synchronize` and `issues.opened`),
# side by side in one run: the same 28 KB body (octokit's `pull_request/synchronize` example,
# from ../shared/fixtures), signed with HMAC-SHA256 once, the same wrk driver and Lua script
# (a unique `X-GitHub-Delivery` per request: secarch ignores a GUID it already acted on), each
# server started fresh for every round, rounds interleaved (secarch, probot, secarch, …) at 16
# and 64 connections. Per round: acknowledgements per second, p50/p99 latency (wrk --latency),
# CPU time of the server process per acknowledgement (utime + stime from /proc/<pid>/stat
# around the measured run, after a warm-up run); then medians and the ratios secarch ÷ probot.
#
# Nothing reaches GitHub. Both servers get a dummy App id, a fresh RSA key (openssl) and the
# same webhook secret, and log at `info` as JSON into files. The payload carries an
# installation, so secarch does its whole path (verify, parse, dedupe, enqueue: answer 202)
# and Probot its own (verify, JSON.parse, run the handler: answer 200). secarch's job then
# tries GitHub at a closed local port (SECARCH_GITHUB_API_URL=http://127.0.0.1:<closed>): the
# attempt fails at once and is retried with backoff, and every delivery of the burst is for
# the same pull request, so they coalesce into that one job — the queue costs a few attempts
# per round, not one evaluation per delivery, just as Probot's no-op handler costs nothing.
# Only 2xx answers count as acknowledgements; other answers are reported.
#
# Usage: scripts/bench-ack.sh [--rounds N] [--duration S] [--warmup S] [--conns "16 64"]
#                             [--threads N] [--baseline-bin PATH] [--no-build] [--keep DIR]
#   --rounds N          rounds per connection count and server (default 3)
#   --duration S        seconds measured per round (default 10), after --warmup S (default 2)
#   --conns LIST        connection counts (default "16 64")
#   --threads N         wrk threads (default 2)
#   --baseline-bin PATH also run this secarch binary (e.g. built from an older commit) as a
#                       third server, interleaved the same way: before/after in one run
#   --no-build          use target/release/secarch as it is
#   --keep DIR          work in DIR (Probot install, keys, logs) and keep it
# Needs cargo, node ≥ 20.18 with npm (installs probot@14 into the work directory), openssl,
# curl, python3, and wrk (installed with apt-get when missing). SECARCH_FIXTURES points to the
# fixtures (default: ../shared/fixtures next to the repository).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 duration=10 warmup=2 conns="16 64" threads=2 build=1 keep="" baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --conns) conns=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --baseline-bin) baseline=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=$2; shift 2 ;;
        -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
for tool in cargo node npm openssl curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-ack: $tool is required" >&2; exit 1; }
done
if ! command -v wrk >/dev/null; then
    echo "bench-ack: installing wrk ..." >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

fixtures=${SECARCH_FIXTURES:-$root/../shared/fixtures}
payload=$fixtures/octokit-webhooks/payload-examples/pull_request/synchronize.payload.json
[ -f "$payload" ] || { echo "bench-ack: no $payload; set SECARCH_FIXTURES" >&2; exit 1; }

if [ -n "$keep" ]; then
    work=$(mkdir -p "$keep" && cd "$keep" && pwd)
else
    work=$(mktemp -d)
fi
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

if [ "$build" = 1 ]; then
    (cd "$root" && cargo build --release --locked --features zlib-ng --bin secarch)
fi
secarch=$root/target/release/secarch
[ -x "$secarch" ] || { echo "bench-ack: no $secarch (build without --no-build)" >&2; exit 1; }

# --- Probot 14: a minimal app, installed once into the work directory.
probot=$work/probot
if [ ! -d "$probot/node_modules/probot" ]; then
    echo "bench-ack: installing probot@14 into $probot ..." >&2
    mkdir -p "$probot"
    (cd "$probot" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error probot@14 >/dev/null)
fi
cat >"$probot/app.mjs" <<'EOF'
// The smallest Probot app that acts on the benchmark's event: two no-op handlers.
import { run } from "probot";
run((app) => {
    app.on("pull_request.synchronize", async () => {});
    app.on("issues.opened", async () => {});
});
EOF
probot_version=$(node -p "require('$probot/node_modules/probot/package.json').version")

# --- Shared material: key, secret, signed body, wrk script.
secret=bench-ack-webhook-secret
[ -f "$work/key.pem" ] || openssl genrsa -out "$work/key.pem" 2048 2>/dev/null
cp "$payload" "$work/body.json"
signature="sha256=$(openssl dgst -sha256 -hmac "$secret" -r "$work/body.json" | cut -d' ' -f1)"
cat >"$work/deliver.lua" <<'EOF'
-- POST the signed body with a unique X-GitHub-Delivery per request (thread id, wrk run, counter).
local f = assert(io.open(os.getenv("ACK_BODY"), "rb"))
local body = f:read("*a")
f:close()
local path = os.getenv("ACK_PATH")
local run = tonumber(os.getenv("ACK_RUN") or "0")
local headers = {
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "GitHub-Hookshot/bench",
    ["X-GitHub-Event"] = "pull_request",
    ["X-GitHub-Hook-ID"] = "1",
    ["X-Hub-Signature-256"] = os.getenv("ACK_SIG"),
}
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end
local n = 0
function request()
    n = n + 1
    headers["X-GitHub-Delivery"] = string.format("%08x-%04x-4000-8000-%012x", tid or 0, run, n)
    return wrk.format("POST", path, headers, body)
end
EOF

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# A port nothing listens on: secarch's jobs fail to reach "GitHub" at once.
closed_port=$(free_port)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# start_server KIND PORT LOG → pid in $server_pid, path in $server_path
start_server() {
    local kind=$1 port=$2 log=$3
    case "$kind" in
        secarch|secarch-base)
            local bin=$secarch
            [ "$kind" = secarch-base ] && bin=$baseline
            rm -rf "$work/mirrors"
            SECARCH_APP_ID=1 SECARCH_PRIVATE_KEY_PATH="$work/key.pem" SECARCH_WEBHOOK_SECRET="$secret" \
                SECARCH_GITHUB_API_URL="http://127.0.0.1:$closed_port" SECARCH_LISTEN="127.0.0.1:$port" \
                SECARCH_CACHE_DIR="$work/mirrors" SECARCH_RECONCILE_INTERVAL=0 SECARCH_LOG_FORMAT=json \
                RUST_LOG=info "$bin" serve >"$log" 2>&1 &
            server_pid=$!
            server_path=/webhook
            ;;
        probot)
            (cd "$probot" && APP_ID=1 PRIVATE_KEY="$(cat "$work/key.pem")" WEBHOOK_SECRET="$secret" \
                HOST=127.0.0.1 PORT=$port LOG_LEVEL=info LOG_FORMAT=json NODE_ENV=production \
                exec node app.mjs) >"$log" 2>&1 &
            server_pid=$!
            server_path=/api/github/webhooks
            ;;
    esac
    pids+=("$server_pid")
    local i
    for i in $(seq 1 200); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/"; then return 0; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "bench-ack: $kind did not start; its log:" >&2
    cat "$log" >&2
    exit 1
}

stop_server() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# One round: KIND CONNS ROUND → one line of results appended to $work/results.tsv
round() {
    local kind=$1 c=$2 r=$3 port log before after out
    port=$(free_port)
    log=$work/$kind-$c-$r.log
    start_server "$kind" "$port" "$log"
    local url="http://127.0.0.1:$port$server_path"
    export ACK_BODY=$work/body.json ACK_SIG=$signature ACK_PATH=$server_path
    ACK_RUN=1 wrk -t"$threads" -c"$c" -d"${warmup}s" -s "$work/deliver.lua" "$url" >/dev/null
    before=$(cpu_ticks "$server_pid")
    out=$(ACK_RUN=2 wrk -t"$threads" -c"$c" -d"${duration}s" --latency -s "$work/deliver.lua" "$url")
    after=$(cpu_ticks "$server_pid")
    stop_server "$server_pid"
    echo "$out" >"$work/$kind-$c-$r.wrk"
    python3 - "$kind" "$c" "$r" "$before" "$after" "$hz" "$work/$kind-$c-$r.wrk" >>"$work/results.tsv" <<'EOF'
import re, sys
kind, c, r, before, after, hz, path = sys.argv[1:]
text = open(path).read()
def ms(s):
    v, unit = re.match(r"([\d.]+)(us|ms|s)", s).groups()
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
total = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
bad = int(bad.group(1)) if bad else 0
errors = re.search(r"Socket errors: (.*)", text)
secs = float(re.search(r"requests in ([\d.]+)s", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
acks = total - bad
cpu_us = (int(after) - int(before)) / int(hz) * 1e6 / max(total, 1)
print(f"{kind}\t{c}\t{r}\t{acks / secs:.0f}\t{p50:.2f}\t{p99:.2f}\t{cpu_us:.0f}\t{bad}\t{errors.group(1) if errors else '-'}")
EOF
    tail -n1 "$work/results.tsv" | awk -F'\t' '{ printf "%-13s %3s conns round %s: %7s acks/s  p50 %6s ms  p99 %6s ms  CPU %4s µs/ack  non-2xx %s  socket errors %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
}

kinds="secarch probot"
[ -n "$baseline" ] && kinds="secarch-base secarch probot"
: >"$work/results.tsv"
echo "bench-ack: secarch $("$secarch" --version 2>/dev/null | head -n1) vs Probot $probot_version (node $(node --version));" \
    "body $(wc -c <"$work/body.json") bytes; ${duration}s per round after ${warmup}s warm-up; wrk -t$threads;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
for c in $conns; do
    for r in $(seq 1 "$rounds"); do
        for kind in $kinds; do
            round "$kind" "$c" "$r"
        done
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work/results.tsv" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for kind, c, r, rate, p50, p99, cpu, bad, _ in rows:
    by.setdefault((int(c), kind), []).append((int(r), float(rate), float(p50), float(p99), float(cpu)))
med = lambda xs: statistics.median(xs)
print("\nmedians over rounds (ratios: per round against probot's run of the same round, then the median)")
print(f"{'server':<13} {'conns':>5} {'acks/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'µs CPU/ack':>10} {'rate ÷ probot':>14} {'CPU ÷ probot':>13}")
for c in sorted({k[0] for k in by}):
    base = {r: (rate, cpu) for r, rate, _, _, cpu in by.get((c, "probot"), [])}
    for kind in ("secarch-base", "secarch", "probot"):
        xs = by.get((c, kind))
        if not xs:
            continue
        rate_ratio = [rate / base[r][0] for r, rate, *_ in xs if r in base and base[r][0] > 0]
        cpu_ratio = [cpu / base[r][1] for r, _, _, _, cpu in xs if r in base and base[r][1] > 0]
        print(f"{kind:<13} {c:>5} {med([x[1] for x in xs]):>8.0f} {med([x[2] for x in xs]):>7.2f} "
              f"{med([x[3] for x in xs]):>7.2f} {med([x[4] for x in xs]):>10.0f} "
              f"{med(rate_ratio) if rate_ratio else 0:>14.2f} {med(cpu_ratio) if cpu_ratio else 0:>13.2f}")
EOF
