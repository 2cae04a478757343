#!/usr/bin/env bash
# Make sure the system programs a make target needs are installed, before anything slow starts.
#
#   tools/system_packages.sh PROGRAM=PACKAGE ...      e.g. bwrap=bubblewrap /usr/bin/chromium=chromium
#
# A PROGRAM is a command name or an absolute path; a PACKAGE may list several packages joined by
# "+" (chromium+fonts-liberation). Missing packages are installed with apt-get when this runs as
# root or with passwordless sudo. Otherwise it stops at once with one line naming the command to run.
# pip cannot install these (they are system programs), so this is the only install step outside .venv.
set -euo pipefail

missing=()
for pair in "$@"; do
  program=${pair%%=*}
  packages=${pair#*=}
  if [[ $program == /* ]]; then [[ -x $program ]] && continue; else command -v "$program" >/dev/null && continue; fi
  missing+=(${packages//+/ })
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

install="apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null; then
  echo "make: this needs ${missing[*]} (Debian/Ubuntu package names); install them with your system's package manager and run make again" >&2
  exit 1
fi
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "make: this needs ${missing[*]}; run: sudo $install" >&2
  exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# apt-get update only when the package lists cannot provide the packages (a fresh image has none).
"${sudo[@]}" $install -q >/dev/null 2>&1 \
  || { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" $install -q >/dev/null; } \
  || { echo "make: installing ${missing[*]} failed; run: sudo apt-get update && sudo $install" >&2; exit 1; }
