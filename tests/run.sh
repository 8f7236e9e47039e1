#!/usr/bin/env bash
# The whole suite: lint, format check, strict typing, the import contracts (layers), then pytest.
# Services the tests need (PulseAudio, Xvfb, the emulator) are started by the test fixtures themselves.
set -uo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
status=0
step() { echo "== $*"; "$@" || status=1; }

step $V/ruff check desktop_app tests
step $V/ruff format --check desktop_app tests
step $V/mypy desktop_app
step $V/lint-imports --no-cache --no-logo   # the layer contracts in pyproject.toml [tool.importlinter]
[ "${1:-}" = "--lint-only" ] && exit $status

export QT_QPA_PLATFORM=offscreen
$V/pytest "$@"
rc=$?
[ $rc -ne 0 ] && status=$rc
exit $status
