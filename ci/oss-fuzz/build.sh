#!/bin/bash
# OSS-Fuzz: google/oss-fuzz projects/virtwire/build.sh.  The build lives in the repository
# (.clusterfuzzlite/build.sh, shared with ClusterFuzzLite), so it changes with the code.
set -euo pipefail
exec "$SRC/virtwire/.clusterfuzzlite/build.sh" "$@"
