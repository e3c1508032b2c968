#!/bin/sh
# Install mipwizard from this folder, with no network: the wheels beside this script are all it needs.
#   sudo ./install.sh [PREFIX]        (default /opt/mipwizard; then run PREFIX/bin/mipwizard)
# PYTHON=python3.12 ./install.sh picks the interpreter (Python 3.10 or 3.12: Ubuntu 22.04 / 24.04).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${1:-/opt/mipwizard}
python=${PYTHON:-python3}

version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || {
  echo "error: $python not found — install Python 3.10 or 3.12, or set PYTHON=/path/to/python3" >&2; exit 1; }
case $version in
  3.10|3.12) ;;
  *) echo "error: this bundle holds wheels for Python 3.10 and 3.12; $python is $version — set PYTHON=python3.10 or python3.12" >&2; exit 1 ;;
esac
pip_wheel=$(ls "$here"/wheels/pip-*.whl | head -n 1)

# Ubuntu's python3 lacks ensurepip (package python3-venv): make the venv without pip and run pip from its wheel.
"$python" -m venv --without-pip "$prefix"
"$prefix/bin/python" "$pip_wheel/pip" install --quiet --disable-pip-version-check --no-index \
  --find-links "$here/wheels" --constraint "$here/constraints.txt" pip mipwizard
echo "installed $("$prefix/bin/mipwizard" --version) in $prefix"
echo "put it on PATH with: sudo ln -sf $prefix/bin/mipwizard /usr/local/bin/mipwizard"
