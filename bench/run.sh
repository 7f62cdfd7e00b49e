#!/usr/bin/env bash
# Builds the bench and the services in Release, then runs the whole suite and writes docs/benchmarks.md.
# Extra arguments go to the bench, e.g. `bench/run.sh --runs 5` or `--scenarios ratelimit,verify`.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Platform.Bench -c Release --nologo -v q -clp:'NoSummary;ErrorsOnly'
exec dotnet bench/Platform.Bench/bin/Release/net10.0/Platform.Bench.dll "$@"
