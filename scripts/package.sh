#!/usr/bin/env bash
# Build gpubox's .deb with cpack from a configured and built tree, and check it: the installed
# layout (`cmake --install` into a staging folder) and the package (dpkg-deb) hold the binary,
# gpubox(1) and one man page per command, and the bash, zsh and fish completions; the package
# depends on libcurl, libsqlite3 and openssh-client and recommends rsync.
#   scripts/package.sh [BUILD_DIR] [OUT_DIR]   (defaults: build, BUILD_DIR/package)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=${2:-$build/package}
stage=$(mktemp -d -t gpubox-stage.XXXXXX)
trap 'rm -rf "$stage"' EXIT
fail() { echo "package: $*" >&2; exit 1; }

# The commands, from the binary itself (what `gpubox --help` lists).
mapfile -t commands < <("$build/gpubox" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}')
[ "${#commands[@]}" -ge 20 ] || fail "could not read the command list from gpubox --help"

expected=(usr/bin/gpubox usr/share/man/man1/gpubox.1
          usr/share/bash-completion/completions/gpubox
          usr/share/zsh/vendor-completions/_gpubox
          usr/share/fish/vendor_completions.d/gpubox.fish)
for c in "${commands[@]}"; do expected+=("usr/share/man/man1/gpubox-$c.1"); done

DESTDIR="$stage" cmake --install "$build" --prefix /usr >/dev/null
for f in "${expected[@]}"; do [ -f "$stage/$f" ] || fail "cmake --install did not lay out /$f"; done
# Every page renders without a groff warning; every completion parses in its shell.
for page in "$stage"/usr/share/man/man1/*.1; do
  warnings=$(groff -man -ww -z "$page" 2>&1) || fail "groff failed on $page"
  [ -z "$warnings" ] || fail "groff warns on $page: $warnings"
done
bash -n "$stage/usr/share/bash-completion/completions/gpubox" || fail "bash completion does not parse"
if command -v zsh >/dev/null; then zsh -n "$stage/usr/share/zsh/vendor-completions/_gpubox"; fi
if command -v fish >/dev/null; then fish -n "$stage/usr/share/fish/vendor_completions.d/gpubox.fish"; fi
# The bash completion completes a command and an option of it.
got=$(bash -c "source '$stage/usr/share/bash-completion/completions/gpubox'
  COMP_WORDS=(gpubox do); COMP_CWORD=1; _gpubox; echo \"\${COMPREPLY[*]}\"
  COMP_WORDS=(gpubox up --any); COMP_CWORD=2; _gpubox; echo \"\${COMPREPLY[*]}\"")
[ "$got" = $'doctor down\n--any-region' ] || [ "$got" = $'down doctor\n--any-region' ] ||
  fail "bash completion answered: $got"

mkdir -p "$out"
rm -f "$out"/gpubox_*.deb
(cd "$build" && cpack -G DEB -B "$out" >/dev/null) || fail "cpack -G DEB failed"
deb=$(ls "$out"/gpubox_*.deb)
listing=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||')
for f in "${expected[@]}"; do grep -qx "$f" <<<"$listing" || fail "$deb lacks /$f"; done
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libcurl4 libsqlite3-0 openssh-client; do
  grep -q "$dep" <<<"$depends" || fail "$deb Depends lacks $dep: $depends"
done
[ "$(dpkg-deb -f "$deb" Recommends)" = rsync ] || fail "$deb does not recommend rsync"
echo "package: $deb: ${#expected[@]} files checked; Depends: $depends; Recommends: rsync"
