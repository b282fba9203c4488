#!/usr/bin/env bash
# Checks of terraform/: fmt and checkov always (offline); init + validate per environment when the Terraform
# registry is reachable; plan too when TF_CHECK_PLAN=1 and a state bucket and credentials are available.
#
#   scripts/tf-check.sh                       # fmt, checkov, then init/validate or "registry unreachable, skipped"
#   TF_CHECK_PLAN=1 TF_STATE_BUCKET=my-tfstate scripts/tf-check.sh
#                                             # also `terraform plan` per env with terraform/envs/<env>/terraform.tfvars
#
# Environment:
#   TF_CHECK_ENVS       environments to check (default: "dev prod")
#   TF_INIT_TIMEOUT     seconds one `terraform init` may take (default: 300; an unreachable registry fails in seconds)
#   TF_CHECK_PLAN       1 to run `terraform plan` (needs TF_STATE_BUCKET, Google credentials and a tfvars file)
#   TF_STATE_BUCKET     GCS bucket holding the state (the prefix comes from each env's backend.tf)
#   CHECKOV_SPEC        checkov to run through uvx (default: checkov==3.3.30)
set -euo pipefail

cd "$(dirname "$0")/.."

ENVS=${TF_CHECK_ENVS:-"dev prod"}
INIT_TIMEOUT=${TF_INIT_TIMEOUT:-300}
CHECKOV_SPEC=${CHECKOV_SPEC:-checkov==3.3.30}

# A CLI config file that does not exist only prints a warning; an empty one keeps the output readable.
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -e "${TF_CLI_CONFIG_FILE}" ]] \
    || [[ -z "${TF_CLI_CONFIG_FILE:-}" && ! -e "${HOME:-/root}/.terraformrc" ]]; then
    export TF_CLI_CONFIG_FILE=/dev/null
fi

step() { printf '\n==> %s\n' "$*"; }

if ! command -v terraform >/dev/null 2>&1; then
    echo "tf-check: terraform is not on PATH (Terraform >= 1.6 is needed)" >&2
    exit 1
fi

step "terraform fmt -check -recursive terraform/"
terraform fmt -check -recursive -diff terraform/

step "checkov on terraform/ (${CHECKOV_SPEC}, isolated with uvx)"
if ! command -v uvx >/dev/null 2>&1; then
    echo "tf-check: uvx is not on PATH (install uv)" >&2
    exit 1
fi
BC_SKIP_MAPPING=TRUE uvx --from "${CHECKOV_SPEC}" checkov -d terraform --framework terraform \
    --skip-download --quiet --compact

registry_unreachable() {
    # The messages terraform prints when it cannot reach the registry or a provider download host.
    grep -qiE 'Failed to query available provider packages|could not connect|registry service unreachable|no such host|dial tcp|i/o timeout|TLS handshake timeout|connection refused|Failed to install provider|context deadline exceeded' "$1"
}

status=0
for env in ${ENVS}; do
    dir="terraform/envs/${env}"
    log=$(mktemp)
    step "terraform init -backend=false (${dir})"
    if timeout "${INIT_TIMEOUT}" terraform -chdir="${dir}" init -backend=false -input=false -no-color >"${log}" 2>&1; then
        step "terraform validate (${dir})"
        terraform -chdir="${dir}" validate -no-color || status=1
    elif registry_unreachable "${log}"; then
        echo "tf-check: registry unreachable, init/validate/plan skipped for ${env} (fmt and checkov passed):"
        grep -iE 'error|fail' "${log}" | head -n 3 | sed 's/^/    /'
        rm -f "${log}"
        continue
    else
        echo "tf-check: terraform init failed for ${env}:" >&2
        cat "${log}" >&2
        rm -f "${log}"
        status=1
        continue
    fi
    rm -f "${log}"

    if [[ "${TF_CHECK_PLAN:-0}" == "1" ]]; then
        tfvars="${dir}/terraform.tfvars"
        if [[ -z "${TF_STATE_BUCKET:-}" || ! -f "${tfvars}" ]]; then
            echo "tf-check: plan skipped for ${env}: set TF_STATE_BUCKET and create ${tfvars} (from terraform.tfvars.example)"
            continue
        fi
        step "terraform plan (${dir}, state gs://${TF_STATE_BUCKET})"
        terraform -chdir="${dir}" init -input=false -reconfigure -backend-config="bucket=${TF_STATE_BUCKET}" -no-color >/dev/null
        terraform -chdir="${dir}" plan -input=false -lock=false -var-file=terraform.tfvars -no-color || status=1
    else
        echo "tf-check: plan not requested for ${env} (TF_CHECK_PLAN=1 TF_STATE_BUCKET=... to run it)"
    fi
done

exit "${status}"
