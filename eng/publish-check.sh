#!/usr/bin/env bash
# Regenerates aspire-manifest.json with Aspire's manifest publisher and deploy/k8s + deploy/overlays with
# deploy/Generator, in place, and fails if the committed files differ.
set -euo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
run() {
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "publish-check: '$*' failed" >&2
    exit 1
  fi
}

run dotnet build AppHost --nologo -v q -clp:NoSummary
run dotnet build deploy/Generator --nologo -v q -clp:NoSummary
# The publisher writes project paths relative to the manifest, so it writes in place (from AppHost, like a developer).
(cd AppHost && run dotnet run --no-build -- --publisher manifest --output-path ../aspire-manifest.json)
run dotnet run --no-build --project deploy/Generator -- --manifest aspire-manifest.json --output .

paths=(aspire-manifest.json deploy/k8s deploy/overlays)
if [ -n "$(git status --porcelain -- "${paths[@]}")" ]; then
  git status --porcelain -- "${paths[@]}"
  git --no-pager diff -- "${paths[@]}" | head -100 || true  # head closes the pipe early: not a failure
  echo "aspire-manifest.json or deploy/k8s, deploy/overlays are stale; this script has regenerated them in place: review and commit them (by hand: 'cd AppHost && dotnet run -- --publisher manifest --output-path ../aspire-manifest.json', then 'dotnet run --project deploy/Generator')." >&2
  exit 1
fi
echo "published deployment files are current"
