#!/usr/bin/env bash
# Builds the bench and the services in Release, then runs the whole suite and writes docs/benchmarks.md.
# Extra arguments go to the bench, e.g. `bench/run.sh --runs 5` or `--scenarios ratelimit,verify`.
set -euo pipefail
cd "$(dirname "$0")/.."
# Release throughout: the bench starts the platform through the AppHost (tests/Platform.Testing/AppHostRun.cs), and DCP
# runs each service with `dotnet run --no-build` in the AppHost's configuration, so this Release build (bench, AppHost,
# services) is what gets measured. Run the Release bench binary, not `dotnet run` of a Debug build.
dotnet build bench/Platform.Bench -c Release --nologo -v q -clp:'NoSummary;ErrorsOnly'
exec dotnet bench/Platform.Bench/bin/Release/net10.0/Platform.Bench.dll "$@"
