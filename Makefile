# Two commands for a new user: `make run` and `make test`. Both set everything up first (idempotent).
SHELL := /bin/bash
PY := .venv/bin/python
OUT := out

.PHONY: setup run demo test lint bench package test-package install-desktop clean

setup:
	@bash packaging/bootstrap.sh all

run: setup
	$(PY) -m desktop_app

demo: setup
	@mkdir -p $(OUT)
	$(PY) -m desktop_app --headless --input-wav assets/samples/hello.wav \
		--output-wav $(OUT)/reply.wav --transcript $(OUT)/transcript.jsonl

test: setup
	@bash tests/run.sh

lint: setup
	@bash tests/run.sh --lint-only

bench: setup
	$(PY) -m desktop_app.bench

# A one-folder PyInstaller bundle in dist/gemini-live-desktop/ (about 30 s; needs no Python to run).
package: setup
	@set -o pipefail; $(PY) -m pip install -q -r packaging/build-requirements.txt 2>&1 | { grep -v "is ignored" || true; }
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/gemini-live-desktop.spec

# Build the bundle, then smoke-test it (size and start-up times are printed).
test-package: package
	@bash packaging/test-package.sh

# The desktop-menu entry and icons for this user (XDG_DATA_HOME, default ~/.local/share); it starts the
# bundle when one is built, else .venv/bin/gemini-live-desktop. Uninstall: packaging/install-desktop.sh --uninstall
install-desktop: setup
	@bash packaging/install-desktop.sh

clean:
	rm -rf $(OUT) build dist .pytest_cache .mypy_cache .ruff_cache
