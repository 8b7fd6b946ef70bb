#!/usr/bin/env bash
# Checks that models move between textclf and Keras with the same predictions (see check_weights.py).
#   Scripts/keras-reference/check_weights.sh [TEXTCLF_MODEL_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../common.sh"
build_release
py=$("$here/setup-venv.sh")
TEXTCLF="$TEXTCLF" "$py" "$here/check_weights.py" "$@"
