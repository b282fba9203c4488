# One entry point for everything a data engineer runs. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := uv run --no-sync
WAREHOUSE ?= $(or $(DESTINATION__DUCKDB__CREDENTIALS),warehouse.duckdb)
DBT_ARGS := --project-dir dbt_project --profiles-dir dbt_project

.PHONY: help setup demo test lint format bench soak dbt-build report dbt-docs images push tf-check deploy-dags airflow2-venv

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

setup:  ## install uv, mariadb-server (if root and absent) and the locked environment
	@bash scripts/setup.sh

demo: setup  ## seed a throwaway MariaDB, extract a week in daily chunks into warehouse.duckdb, build the marts
	$(UV) python -m demo

test: setup  ## the whole test suite (real MariaDB, DuckDB, dbt, Airflow, Docker)
	$(UV) ruff check .
	$(UV) ruff format --check .
	$(UV) pytest -q

lint:  ## ruff, hadolint, terraform fmt + checkov
	$(UV) ruff check . && $(UV) ruff format --check .
	$(UV) hadolint Dockerfile.extract Dockerfile.dbt
	bash scripts/tf-check.sh

format:  ## apply ruff's fixes and formatting
	$(UV) ruff check --fix . && $(UV) ruff format .

bench: setup  ## benchmarks: MySQL extract vs mariadb CLI and raw PyMySQL (ROWS=2000000)
	$(UV) python bench/bench_mysql.py --rows $${ROWS:-2000000}

soak:  ## soak: 10M MySQL rows in daily chunks (peak RSS per chunk) + a 100k-record HubSpot day (ROWS=10000000)
	$(UV) python bench/bench_soak.py --rows $${ROWS:-10000000}

dbt-build:  ## dbt build on the local DuckDB, for the sources that were loaded
	$(UV) dbt build --target local $(DBT_ARGS) --vars "$$($(UV) python dbt_project/scripts/loaded_sources.py --duckdb $(WAREHOUSE))"

report:  ## static HTML + PNG charts of the marts in reports/
	$(UV) python dbt_project/scripts/marts_report.py --duckdb $(WAREHOUSE) --out reports/

dbt-docs:  ## browse models and lineage at http://localhost:8080
	$(UV) dbt docs generate --target local $(DBT_ARGS) && $(UV) dbt docs serve $(DBT_ARGS) --port 8080

images:  ## build the extract and dbt images (tag: git SHA + version)
	bash scripts/images.sh build

push:  ## push the images to Artifact Registry (REGISTRY=REGION-docker.pkg.dev/PROJECT/REPO)
	bash scripts/images.sh push

tf-check:  ## terraform fmt + checkov; init/validate per env when the registry is reachable
	bash scripts/tf-check.sh

deploy-dags:  ## copy dags/ to the Composer bucket (COMPOSER_BUCKET=gs://BUCKET/dags)
	gcloud storage rsync dags "$(COMPOSER_BUCKET)" --recursive --delete-unmatched-destination-objects --exclude='.*__pycache__.*'

airflow2-venv:  ## .venv-airflow2 with Airflow 2.10 for the Composer 2 compatibility test
	bash scripts/airflow2-venv.sh
