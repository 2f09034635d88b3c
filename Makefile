# `make demo` and `make test` work on a fresh machine with Python 3.11+ (see README).
.PHONY: setup demo test test-fast lint bench

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/webbench eval --suite miniwob --subset smoke --episodes 3 --agent scripted --workers 2

test: setup
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q

test-fast: setup
	.venv/bin/python -m pytest -q -m "not browser"

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench: setup
	.venv/bin/python benchmarks/miniwob_overhead.py
	.venv/bin/python benchmarks/miniwob_workers.py
