#!/usr/bin/env bash
# Regenerates Wolverine's pre-generated handler code (TypeLoadMode.Static: no runtime compiler is available here)
# and fails if the committed files differ. Needs no database.
set -euo pipefail
cd "$(dirname "$0")/.."
generated=()
for service in Auth ToolExecution Audit; do
  dotnet run --no-build --project "services/$service" -- codegen write >/dev/null
  generated+=("services/$service/Internal/Generated")
done
# Plain folder paths: a pathspec with a wildcard matches whole paths only, so it would never see a file inside.
if [ -n "$(git status --porcelain --untracked-files=all -- "${generated[@]}")" ]; then
  git status --porcelain --untracked-files=all -- "${generated[@]}"
  git --no-pager diff --stat -- "${generated[@]}"
  echo "Generated Wolverine code is stale: run eng/codegen-check.sh and commit services/*/Internal/Generated." >&2
  exit 1
fi
echo "generated code is current"
