#!/usr/bin/env bash
# Builds the bench and the services in Release, runs the failure drills of issue 8 and writes docs/reliability.md.
# Extra arguments go to the drills, e.g. `bench/drills.sh --drills 7,1` or `--out /tmp/reliability.md`.
set -euo pipefail
exec "$(dirname "$0")/run.sh" --scenarios drills "$@"
