#!/usr/bin/env bash
# Regenerates Wolverine's pre-generated handler code (TypeLoadMode.Static: no runtime compiler is available here)
# and fails if the committed files differ. Needs no database.
set -euo pipefail
cd "$(dirname "$0")/.."
for service in Auth ToolExecution Audit; do
  dotnet run --no-build --project "services/$service" -- codegen write >/dev/null
done
if [ -n "$(git status --porcelain -- 'services/*/Internal/Generated')" ]; then
  git status --porcelain -- 'services/*/Internal/Generated'
  git --no-pager diff --stat -- 'services/*/Internal/Generated'
  echo "Generated Wolverine code is stale: run eng/codegen-check.sh and commit services/*/Internal/Generated." >&2
  exit 1
fi
echo "generated code is current"
