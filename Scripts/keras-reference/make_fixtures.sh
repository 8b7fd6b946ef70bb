#!/usr/bin/env bash
# Regenerates the Keras golden fixtures in Tests/TextClassificationTests/Fixtures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=$("$here/setup-venv.sh")
"$py" "$here/make_fixtures.py"
