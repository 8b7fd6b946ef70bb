#!/usr/bin/env bash
# Makes (once) a virtual environment with the pinned Keras/TensorFlow and prints its python.
# Usage: PY=$(Scripts/keras-reference/setup-venv.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${KERAS_VENV:-"$here/../../.venv-keras"}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import keras, tensorflow, sklearn, fasttext, fastapi, uvicorn" 2>/dev/null; then
    echo "Creating $venv with $(tr '\n' ' ' < "$here/requirements.txt" | sed 's/#[^ ]* //g')..." >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q -r "$here/requirements.txt" >&2
fi
echo "$venv/bin/python"
