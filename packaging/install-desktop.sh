#!/usr/bin/env bash
# Install (or remove) the desktop-menu entry, icons and AppStream metadata for the current user.
#
#   packaging/install-desktop.sh [--exec COMMAND]   install into ${XDG_DATA_HOME:-~/.local/share}
#   packaging/install-desktop.sh --uninstall        remove what an install put there
#
# The menu entry starts COMMAND. By default that is the bundle from `make package`
# (dist/gemini-live-desktop/gemini-live-desktop) when it is built, else this checkout's
# .venv/bin/gemini-live-desktop, as absolute paths. `--exec gemini-live-desktop` makes it look the command
# up on PATH instead (for example after `pipx install` of the wheel).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
APP=gemini-live-desktop
METAINFO=io.github.geminilivedesktop.GeminiLiveDesktop.metainfo.xml
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
case "$DATA" in /*) ;; *) echo "XDG_DATA_HOME must be an absolute path (got $DATA)" >&2; exit 2 ;; esac

exec_cmd=""
uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --exec) [ $# -ge 2 ] || { echo "--exec needs a command" >&2; exit 2; }; exec_cmd="$2"; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

# The icons as (source, target) pairs: PNG sizes into hicolor/NxN/apps, the SVG into hicolor/scalable/apps.
icons=()
for png in "$ROOT"/assets/icons/$APP-*.png; do
  size="${png##*-}"; size="${size%.png}"
  icons+=("$png" "$DATA/icons/hicolor/${size}x${size}/apps/$APP.png")
done
icons+=("$ROOT/assets/icons/$APP.svg" "$DATA/icons/hicolor/scalable/apps/$APP.svg")

if [ "$uninstall" -eq 1 ]; then
  rm -f "$DATA/applications/$APP.desktop" "$DATA/metainfo/$METAINFO"
  for ((i = 1; i < ${#icons[@]}; i += 2)); do rm -f "${icons[i]}"; done
  echo "removed the $APP menu entry, icons and metainfo from $DATA"
  exit 0
fi

if [ -z "$exec_cmd" ]; then
  for candidate in "$ROOT/dist/$APP/$APP" "$ROOT/.venv/bin/$APP"; do
    if [ -x "$candidate" ]; then exec_cmd="$candidate"; break; fi
  done
  if [ -z "$exec_cmd" ]; then
    echo "Nothing to start: build the bundle (make package) or set up the venv (make setup)," >&2
    echo "or pass --exec COMMAND." >&2
    exit 1
  fi
fi
case "$exec_cmd" in
  */*) [ -x "$exec_cmd" ] || { echo "$exec_cmd is not an executable file" >&2; exit 1; } ;;
  *) command -v "$exec_cmd" >/dev/null || echo "note: $exec_cmd is not on PATH now; the menu entry needs it there" >&2 ;;
esac

# Exec= quoting (Desktop Entry spec): double quotes around an argument with reserved characters, with
# " ` $ \ escaped inside by a backslash; every backslash is then doubled, because Exec is a string value
# (so a literal $ is written \\$ and a literal \ is \\\\). A literal % is %%.
exec_field="$exec_cmd"
if [[ "$exec_cmd" =~ [[:space:]\"\'\\\>\<~\|\&\;\$\*\?#\(\)\`] ]]; then
  escaped="$(printf '%s' "$exec_cmd" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g')"
  exec_field="\"$escaped\""
fi
exec_field="${exec_field//%/%%}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tmp="$work/$APP.desktop"
while IFS= read -r line; do
  case "$line" in
    Exec=*) printf 'Exec=%s\n' "$exec_field" ;;
    TryExec=*) printf 'TryExec=%s\n' "${exec_cmd//\\/\\\\}" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$ROOT/packaging/$APP.desktop" > "$tmp"
if command -v desktop-file-validate >/dev/null && ! desktop-file-validate "$tmp"; then
  echo "the generated menu entry does not validate" >&2
  exit 1
fi
install -D -m 644 "$tmp" "$DATA/applications/$APP.desktop"
install -D -m 644 "$ROOT/packaging/$METAINFO" "$DATA/metainfo/$METAINFO"
for ((i = 0; i < ${#icons[@]}; i += 2)); do install -D -m 644 "${icons[i]}" "${icons[i + 1]}"; done
touch "$DATA/icons/hicolor" 2>/dev/null || true  # tells icon caches to look again

echo "installed $DATA/applications/$APP.desktop (starts: $exec_cmd)"
echo "installed icons under $DATA/icons/hicolor and $DATA/metainfo/$METAINFO"
