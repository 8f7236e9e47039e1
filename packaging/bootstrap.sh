#!/usr/bin/env bash
# Set up everything the program and its tests need on Debian/Ubuntu. Idempotent and quick when done.
#   bootstrap.sh apt    install missing Debian packages (as root), or print the exact apt line and fail
#   bootstrap.sh venv   create .venv and install the project with its test extras
set -euo pipefail
cd "$(dirname "$0")/.."

want_packages() { grep -v '^\s*#' packaging/apt-packages.txt | sed '/^\s*$/d'; }

apt_step() {
  local missing=()
  for pkg in $(want_packages); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "These Debian packages are missing. Install them, then run make again:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

venv_step() {
  local stamp=.venv/.installed
  if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then return 0; fi
  python3 -m venv .venv 2>/dev/null || { echo "python3 -m venv failed: install python3-venv" >&2; exit 1; }
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install -q -e '.[test]' 2>&1 | grep -vE "is ignored|BuildBackendWarning|^\s*(!!|\*+|Please be careful|name as your package|with strategy)" || true
  .venv/bin/python -c "import desktop_app, google.genai" || { echo "installing the project failed" >&2; exit 1; }
  touch "$stamp"
}

case "${1:-all}" in
  apt) apt_step ;;
  venv) venv_step ;;
  all) apt_step; venv_step ;;
  *) echo "usage: $0 [apt|venv|all]" >&2; exit 2 ;;
esac
