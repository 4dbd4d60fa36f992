.PHONY: setup run test lint lock

setup:
	@bash scripts/setup.sh

## Set up, migrate, load demo data, and run the web server with a Celery worker.
run: setup
	@bash scripts/run.sh

## Set up and run the whole test suite (ruff, migrations check, pytest).
test: setup
	@bash scripts/test.sh

lint:
	.venv/bin/ruff check .

## Update the lock files requirements/*.txt from pyproject.toml (UPGRADE=1: newest versions).
lock: setup
	@bash scripts/lock.sh
