#!/usr/bin/env bash
# Print the absolute path of a python3 that has moto, boto3 and awscli (the e2e
# test stack). Debian's /usr/bin/python3 usually lacks them while pyenv's
# python3 on PATH has them. Order: $GPUBOX_PYTHON, python3 on PATH, pyenv
# versions, /usr/local/bin/python3, /usr/bin/python3. Exit 1 if none works.
set -euo pipefail

candidates=()
[ -n "${GPUBOX_PYTHON:-}" ] && candidates+=("$GPUBOX_PYTHON")
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
for dir in "${PYENV_ROOT:-}" "${HOME:-/root}/.pyenv" /root/.pyenv; do
  [ -n "$dir" ] || continue
  for py in "$dir"/versions/*/bin/python3; do
    [ -x "$py" ] && candidates+=("$py")
  done
done
candidates+=(/usr/local/bin/python3 /usr/bin/python3)

for py in "${candidates[@]}"; do
  if exe=$("$py" -c 'import moto, boto3, awscli, sys; print(sys.executable)' 2>/dev/null); then
    echo "$exe"
    exit 0
  fi
done
echo "find-python: no python3 with moto, boto3 and awscli (tried: ${candidates[*]})" >&2
exit 1
