#!/usr/bin/env bash
# Times `dotnet run --project AppHost` from a built tree to "Platform is ready" (every resource healthy) and records the
# resident memory of the AppHost and of the Aspire dashboard it starts, then stops it with SIGTERM and waits until
# nothing it started is left. Usage: bench/apphost-startup.sh [runs] (default 3). Uses a throwaway data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dotnet build AppHost --nologo -v q -clp:'NoSummary;ErrorsOnly'
data=$(mktemp -d /tmp/apphost-startup-XXXXXX); chmod o+x "$data"
trap 'rm -rf "$data"' EXIT
# One run first makes the cluster, as a first `dotnet run` would; the timed runs reuse it like every later run.
for run in $(seq 0 "$runs"); do
  log="$data/run-$run.log"
  start=$(date +%s.%N)
  dotnet run --no-build --project AppHost -- --AppHost:DataDirectory="$data" >"$log" 2>&1 &
  launcher=$!
  until grep -q "Platform is ready" "$log"; do
    kill -0 "$launcher" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  ready=$(date +%s.%N)
  apphost=$(pgrep -P "$launcher" -f Platform.AppHost || pgrep -f "net10.0/Platform.AppHost")
  dashboard=$(pgrep -f "Aspire.Dashboard" | head -1 || true)
  rss() { [ -n "$1" ] && awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status" || echo "-"; }
  [ "$run" -gt 0 ] && printf 'run %d: ready after %.1f s, AppHost %s MiB, dashboard %s MiB\n' \
    "$run" "$(echo "$ready - $start" | bc)" "$(rss "$apphost")" "$(rss "$dashboard")"
  stopping=$(date +%s.%N)
  kill -TERM "$apphost"
  wait "$launcher" || true
  while pgrep -f "AppHost:DataDirectory=$data|$data/postgres" >/dev/null || pgrep -f "dcp start-apiserver --monitor $apphost" >/dev/null; do sleep 0.2; done
  [ "$run" -gt 0 ] && printf 'run %d: everything stopped %.1f s after SIGTERM\n' "$run" "$(echo "$(date +%s.%N) - $stopping" | bc)"
done
