# Two commands for a new user: `make run` and `make test`. Both set everything up first (idempotent).
PY := .venv/bin/python
OUT := out

.PHONY: setup run demo test lint bench clean

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

clean:
	rm -rf $(OUT) build dist .pytest_cache .mypy_cache .ruff_cache
