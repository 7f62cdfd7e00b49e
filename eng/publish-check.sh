#!/usr/bin/env bash
# Regenerates aspire-manifest.json and deploy/k8s from the AppHost model and fails if the committed files differ.
# Publishes in place rather than into a temp dir: the manifest's project paths are relative to where it is written.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --no-build --project AppHost -- publish >/dev/null
paths=(aspire-manifest.json deploy/k8s deploy/overlays)
if [ -n "$(git status --porcelain -- "${paths[@]}")" ]; then
  git status --porcelain -- "${paths[@]}"
  git --no-pager diff -- "${paths[@]}" | head -100
  echo "aspire-manifest.json or deploy/k8s is stale: run 'dotnet run --project AppHost -- publish' and commit the result." >&2
  exit 1
fi
echo "published deployment files are current"
