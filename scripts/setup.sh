#!/usr/bin/env bash
# Install everything this repository needs on a fresh Debian 12 machine, idempotently.
#
#   scripts/setup.sh          uv, Debian's mariadb-server (when absent and we are root), the uv environment
#   scripts/setup.sh --ci     also docker.io + debootstrap (image tests) and the Airflow 2.10 venv
#
# The environment is `uv sync --locked` from the committed uv.lock, with bytecode compiled once:
# this machine sets PYTHONDONTWRITEBYTECODE=1, so without it every process recompiles dlt/dbt/Airflow.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=false
[[ "${1:-}" == "--ci" ]] && ci=true

apt_packages=()
command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] || apt_packages+=(mariadb-server mariadb-client)
if $ci; then
    [[ -x /usr/bin/docker ]] || apt_packages+=(docker.io)
    command -v debootstrap >/dev/null 2>&1 || apt_packages+=(debootstrap)
fi
if ((${#apt_packages[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "setup: installing ${apt_packages[*]} with apt"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
    else
        echo "setup: please install: sudo apt-get install ${apt_packages[*]}" >&2
        exit 2
    fi
fi

if ! command -v uv >/dev/null 2>&1; then
    echo "setup: installing uv"
    python3 -m pip install --quiet --disable-pip-version-check uv || python3 -m pip install --quiet --user uv
    export PATH="$HOME/.local/bin:$PATH"
fi

UV_COMPILE_BYTECODE=1 uv sync --locked --quiet
echo "setup: uv environment ready ($(uv run --no-sync python -c 'import dlt, duckdb; print(f"dlt {dlt.__version__}, duckdb {duckdb.__version__}")'))"

if $ci; then
    bash scripts/airflow2-venv.sh
fi
