#!/usr/bin/env bash
# build.sh: dependencies, then a release build into build/ (binaries in build/bin/).
# Incremental: running it again rebuilds only what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/deps.sh
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release
ninja -C build
