#!/usr/bin/env bash
# Print the absolute path of a python3 that has the e2e test stack: moto with its
# server (flask, werkzeug), boto3 and awscli. Debian's /usr/bin/python3 usually
# lacks them; `scripts/deps.sh --install` then makes a virtual environment with
# pinned versions. Order: $GPUBOX_PYTHON, python3 on PATH, pyenv versions,
# /usr/local/bin/python3, /usr/bin/python3, then that virtual environment
# ($GPUBOX_VENV, default .venv in the repository). Exit 1 if none works.
#   scripts/find-python.sh           print the python
#   scripts/find-python.sh --missing print the modules no candidate has, one a line
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
modules=(moto moto.server boto3 awscli)

candidates=()
[ -n "${GPUBOX_PYTHON:-}" ] && candidates+=("$GPUBOX_PYTHON")
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
for dir in "${PYENV_ROOT:-}" "${HOME:-/root}/.pyenv" /root/.pyenv; do
  [ -n "$dir" ] || continue
  for py in "$dir"/versions/*/bin/python3; do
    [ -x "$py" ] && candidates+=("$py")
  done
done
candidates+=(/usr/local/bin/python3 /usr/bin/python3 "${GPUBOX_VENV:-$root/.venv}/bin/python3")

probe="import importlib, sys
missing = []
for m in sys.argv[1:]:
    try:
        importlib.import_module(m)
    except Exception:
        missing.append(m)
print(' '.join(missing) if missing else 'OK ' + sys.executable)"

best=""
for py in "${candidates[@]}"; do
  [ -x "$py" ] || command -v "$py" >/dev/null 2>&1 || continue
  out=$("$py" -c "$probe" "${modules[@]}" 2>/dev/null) || continue
  if [ "${out%% *}" = OK ]; then
    [ "${1:-}" = --missing ] && exit 0
    echo "${out#OK }"
    exit 0
  fi
  # Remember the smallest set of missing modules to name them at the end.
  if [ -z "$best" ] || [ "$(wc -w <<<"$out")" -lt "$(wc -w <<<"$best")" ]; then best=$out; fi
done
[ -n "$best" ] || best="${modules[*]} (no working python3 at all)"
if [ "${1:-}" = --missing ]; then
  tr ' ' '\n' <<<"$best"
  exit 1
fi
echo "find-python: no python3 has the e2e stack; missing: $best (tried: ${candidates[*]})." >&2
echo "find-python: run scripts/deps.sh --install" >&2
exit 1
