#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 (Django 6 needs it): PATH first, then pyenv's versions.
set -eu
for candidate in python3.13 python3.12 python3; do
  if command -v "$candidate" >/dev/null 2>&1; then
    path=$(command -v "$candidate")
    if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$path"; exit 0
    fi
  fi
done
for path in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
  if [ -x "$path" ]; then echo "$path"; exit 0; fi
done
echo "Rapport needs Python 3.12 or newer (Django 6). Install python3.12 (e.g. 'pyenv install 3.12') and retry." >&2
exit 1
