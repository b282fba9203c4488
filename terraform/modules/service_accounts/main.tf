# Service accounts of the platform: Composer's environment identity and one least-privilege identity per pod workload.
locals {
  # Workload identities. The pods of each workload impersonate the matching account. This module grants them no
  # role: BigQuery, bucket and secret grants are made next to those resources (bigquery, storage, secrets modules).
  workloads = {
    extract = {
      account_id   = "${var.name_prefix}-extract"
      display_name = "ELT extract pods (dlt -> raw datasets)"
    }
    dbt = {
      account_id   = "${var.name_prefix}-dbt"
      display_name = "ELT dbt pods (raw -> staging -> marts)"
    }
    powerbi = {
      account_id   = "${var.name_prefix}-powerbi"
      display_name = "ELT Power BI refresh pod (reads its Secret Manager secret only)"
    }
  }

  # Who acts as each workload. Keys are static labels, so that for_each keys are known at plan time.
  workload_principals = {
    for name, w in local.workloads : name => merge(
      { (name) = "serviceAccount:${google_service_account.workload[name].email}" },
      var.pods_impersonate_workload_sa ? {} : { composer = "serviceAccount:${google_service_account.composer.email}" },
    )
  }
}

resource "google_service_account" "composer" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-composer"
  display_name = "ELT Cloud Composer environment"
  description  = "Runs Airflow and, in Composer 3, every KubernetesPodOperator pod; pods impersonate their workload account."
}

resource "google_service_account" "workload" {
  for_each = local.workloads

  project      = var.project_id
  account_id   = each.value.account_id
  display_name = each.value.display_name
}

# roles/composer.worker is the role that Google documents for an environment's service account.
resource "google_project_iam_member" "composer_worker" {
  #checkov:skip=CKV_GCP_49:Composer requires roles/composer.worker on its environment service account; this account holds no data roles and may only impersonate the three workload accounts.
  project = var.project_id
  role    = "roles/composer.worker"
  member  = "serviceAccount:${google_service_account.composer.email}"
}

# Lets the Composer service agent bind the environment's service account to the environment's workloads.
resource "google_service_account_iam_member" "composer_agent_ext" {
  service_account_id = google_service_account.composer.name
  role               = "roles/composer.ServiceAgentV2Ext"
  member             = "serviceAccount:${var.composer_service_agent}"
}

# The environment's service account may mint tokens for the workload accounts, and for nothing else.
resource "google_service_account_iam_member" "composer_impersonates_workload" {
  for_each = local.workloads

  service_account_id = google_service_account.workload[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.composer.email}"
}
