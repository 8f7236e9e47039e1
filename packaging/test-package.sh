#!/usr/bin/env bash
# `make test-package`: smoke-test the bundle that `make package` built in dist/gemini-live-desktop.
# Prints its size and start-up times (figures, not assertions), then runs tests/packaging/test_bundle.py:
# --version, --list-devices on a PulseAudio test daemon, the headless slice against the emulator, the
# relay's page, and the window on Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=dist/gemini-live-desktop
EXE="$BUNDLE/gemini-live-desktop"
[ -x "$EXE" ] || { echo "no bundle at $BUNDLE: run make package" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GLD_CONFIG_DIR="$work/config" GLD_DATA_DIR="$work/data" GLD_EMULATOR_PACE=0
unset GEMINI_API_KEY GOOGLE_API_KEY

seconds() {  # wall time of a command run in $work, in seconds; its output discarded
  local TIMEFORMAT=%R
  { time (cd "$work" && "$@" >/dev/null 2>&1); } 2>&1
}
abs_exe="$(pwd)/$EXE"
echo "bundle: $(du -sh "$BUNDLE" | cut -f1) in $BUNDLE ($(find "$BUNDLE" -type f | wc -l) files)"
echo "start-up: --version $(seconds "$abs_exe" --version) s (first run), $(seconds "$abs_exe" --version) s (again)"
echo "headless slice on the bundled sample, --fast: $(seconds "$abs_exe" --headless --fast \
  --input-wav "$(pwd)/$BUNDLE/_internal/desktop_app/_assets/samples/hello.wav" --output-wav "$work/reply.wav") s"

GLD_BUNDLE="$BUNDLE" QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest tests/packaging/test_bundle.py \
  -p no:cacheprovider -q -s
