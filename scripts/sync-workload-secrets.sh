#!/usr/bin/env bash
# Copy the pipeline's secrets from Secret Manager into Composer 3 user-workloads secrets (Kubernetes Secrets
# in composer-user-workloads), which the DAG's pods read as env vars (dags/elt/config.yaml `secrets:`).
#
# Terraform creates the Secret Manager containers and IAM only, so no secret value ever enters Terraform
# state; operators add versions with `gcloud secrets versions add`. Each Secret Manager secret holds a JSON
# object whose keys are the Kubernetes Secret's keys:
#
#   elt-mysql-credentials      -> elt-mysql       {"credentials": "mysql+pymysql://USER:PASS@HOST:3306/DB"}
#   elt-mongodb-connection-url -> elt-mongodb     {"connection_url": "mongodb+srv://...", "database": "app"}
#   elt-hubspot-access-token   -> elt-hubspot     {"access_token": "pat-..."}
#   elt-salesforce-credentials -> elt-salesforce  {"username": "...", "password": "...", "security_token": "..."}
#   elt-powerbi-client-secret  -> elt-powerbi     {"tenant_id": "...", "client_id": "...", "client_secret": "..."}
#
# Usage: scripts/sync-workload-secrets.sh PROJECT ENVIRONMENT LOCATION
# Run it after every rotation; it never prints a value.
set -euo pipefail
if [[ $# -ne 3 ]]; then
    echo "usage: $0 PROJECT COMPOSER_ENVIRONMENT LOCATION" >&2
    exit 2
fi
project=$1 environment=$2 location=$3
declare -A targets=(
    [elt-mysql-credentials]=elt-mysql
    [elt-mongodb-connection-url]=elt-mongodb
    [elt-hubspot-access-token]=elt-hubspot
    [elt-salesforce-credentials]=elt-salesforce
    [elt-powerbi-client-secret]=elt-powerbi
)
for source in "${!targets[@]}"; do
    target=${targets[$source]}
    # KEY=VALUE pairs for --secret-data, built from the JSON object without echoing it.
    data=$(gcloud secrets versions access latest --secret="$source" --project="$project" |
        python3 -c 'import json, sys; print(",".join(f"{k}={v}" for k, v in json.load(sys.stdin).items()))')
    verb=update
    gcloud beta composer environments user-workloads-secrets describe "$target" --environment="$environment" \
        --location="$location" --project="$project" >/dev/null 2>&1 || verb=create
    gcloud beta composer environments user-workloads-secrets "$verb" --environment="$environment" \
        --location="$location" --project="$project" --secret-name="$target" --secret-data="$data" >/dev/null
    echo "synced $source -> $target ($verb)"
done
