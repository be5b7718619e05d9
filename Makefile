# The two commands of the README. Both set up what is missing first (scripts/setup.sh).
.PHONY: run test setup lint bench

run: setup
	.venv/bin/python run_kiosk.py --config config.toml demo

test: setup lint
	.venv/bin/python -m pytest -q

lint:
	.venv/bin/lint-imports

setup:
	@scripts/setup.sh

bench: setup
	for b in bench/*.py; do .venv/bin/python $$b || exit 1; done
