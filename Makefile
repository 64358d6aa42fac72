.PHONY: demo test test-fast setup lint bench client screenshots

demo:  ## install, migrate, seed the demo merchant, run the web server and the worker
	bash scripts/demo.sh

test:  ## install everything the suite needs and run it (DATABASE_URL picks the database)
	bash scripts/test.sh $(PYTEST_ARGS)

test-fast:  ## the unit tests alone (no database, live server, chain node or browser), in seconds
	PYTHONDONTWRITEBYTECODE= .venv/bin/pytest -n 0 -m unit $(PYTEST_ARGS)

setup:
	bash scripts/setup.sh

lint:  ## the static checks alone: ruff (lint and format), mypy, migrations, the import contract
	bash scripts/check.sh

bench:  ## every benchmark; each prints its numbers
	for script in benchmarks/[a-z]*.py; do .venv/bin/python $$script || exit 1; done

client:  ## regenerate the Python client in clients/python from the OpenAPI document
	bash scripts/generate-client.sh

screenshots:  ## the browser tests, saving every page at desktop and phone sizes in var/screenshots/
	SCREENSHOTS=1 bash scripts/test.sh $$(grep -l "screenshot(" tests/test_*.py)
