#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image: it installs
# the kit and its Python dependencies (pyproject.toml) from the folder this file is in,
# /autograder/source. Choose a base image with Python 3.10 or newer (Ubuntu 22.04 or later).
#
# AUTOGRADER_PYTHON (optional) names the Python to install into (default: python3).
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${AUTOGRADER_PYTHON:-python3}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "setup.sh: the kit needs Python 3.10 or newer; choose Gradescope's Ubuntu 22.04" \
    "(or later) base image" >&2
  exit 1
fi
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
  apt-get update
  apt-get install -y python3-pip
fi
# The system Python of Ubuntu 24.04 refuses system-wide installs without this.
export PIP_BREAK_SYSTEM_PACKAGES=1
"$PYTHON" -m pip install --no-cache-dir --disable-pip-version-check -e "$SOURCE"
