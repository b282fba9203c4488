# Enables the Google Cloud APIs the platform uses and materialises the service agents that IAM bindings refer to.
locals {
  base_services = [
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "bigquerystorage.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "composer.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    # Pods impersonate their workload service account (generateAccessToken).
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "secretmanager.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
  ]
  dev_database_services = var.enable_dev_databases ? ["servicenetworking.googleapis.com", "sqladmin.googleapis.com"] : []
  migration_services    = var.enable_migration ? ["bigquerydatatransfer.googleapis.com"] : []

  services = toset(concat(local.base_services, local.dev_database_services, local.migration_services, var.extra_services))
}

resource "google_project_service" "this" {
  for_each = local.services

  project = var.project_id
  service = each.value

  # Turning an API off on destroy would break anything else in the project that uses it.
  disable_on_destroy         = false
  disable_dependent_services = false
}

# The Composer service agent must exist before it can be granted roles/composer.ServiceAgentV2Ext
# on the environment's service account (Composer 2 and 3 with a user-managed service account).
resource "google_project_service_identity" "composer" {
  provider = google-beta

  project = var.project_id
  service = "composer.googleapis.com"

  depends_on = [google_project_service.this]
}

# The BigQuery Data Transfer Service agent mints tokens for the migration service account.
resource "google_project_service_identity" "bigquery_data_transfer" {
  count    = var.enable_migration ? 1 : 0
  provider = google-beta

  project = var.project_id
  service = "bigquerydatatransfer.googleapis.com"

  depends_on = [google_project_service.this]
}
