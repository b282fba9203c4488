# Go-live migration: BigQuery Data Transfer Service copies of the legacy PoC datasets, run as a dedicated service account.
locals {
  copies = var.enabled ? var.copies : {}
}

resource "google_service_account" "migration" {
  count = var.enabled ? 1 : 0

  project      = var.project_id
  account_id   = "${var.name_prefix}-migration"
  display_name = "ELT legacy dataset copies (BigQuery Data Transfer Service)"
  description  = "Owner of the cross_region_copy transfers; reads the legacy datasets, writes the legacy_* datasets."
}

# The transfer service agent mints tokens for the migration service account, and for no other account.
resource "google_service_account_iam_member" "dts_agent_token_creator" {
  count = var.enabled ? 1 : 0

  service_account_id = google_service_account.migration[0].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${var.data_transfer_service_agent}"
}

# Whoever runs `terraform apply` must be allowed to act as the account they attach to a transfer.
resource "google_service_account_iam_member" "transfer_admin_user" {
  for_each = var.enabled ? toset(var.transfer_admins) : toset([])

  service_account_id = google_service_account.migration[0].name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

# Copy jobs and transfer runs are created in this project; data roles are granted per destination dataset.
resource "google_project_iam_custom_role" "transfer_runner" {
  count = var.enabled ? 1 : 0

  project     = var.project_id
  role_id     = replace("${var.name_prefix}_transfer_runner", "-", "_")
  title       = "ELT dataset-copy transfer runner"
  description = "Run BigQuery Data Transfer Service dataset copies; no data access by itself."
  permissions = [
    "bigquery.jobs.create",
    "bigquery.transfers.get",
    "bigquery.transfers.update",
  ]
}

resource "google_project_iam_member" "transfer_runner" {
  count = var.enabled ? 1 : 0

  project = var.project_id
  role    = google_project_iam_custom_role.transfer_runner[0].id
  member  = "serviceAccount:${google_service_account.migration[0].email}"
}

# dataOwner on the copy's own destination dataset: the copy may replace tables and update the dataset there.
resource "google_bigquery_dataset_iam_member" "destination_owner" {
  for_each = local.copies

  project    = var.project_id
  dataset_id = each.value.destination_dataset_id
  role       = "roles/bigquery.dataOwner"
  member     = "serviceAccount:${google_service_account.migration[0].email}"
}

resource "google_bigquery_data_transfer_config" "copy" {
  for_each = local.copies

  project                = var.project_id
  display_name           = "ELT legacy copy: ${each.key}"
  location               = var.location
  data_source_id         = "cross_region_copy"
  destination_dataset_id = each.value.destination_dataset_id
  schedule               = each.value.schedule
  service_account_name   = google_service_account.migration[0].email

  schedule_options {
    disable_auto_scheduling = each.value.schedule == null
  }

  params = {
    source_project_id           = each.value.source_project_id
    source_dataset_id           = each.value.source_dataset_id
    overwrite_destination_table = each.value.overwrite ? "true" : "false"
  }

  depends_on = [
    google_service_account_iam_member.dts_agent_token_creator,
    google_service_account_iam_member.transfer_admin_user,
    google_project_iam_member.transfer_runner,
    google_bigquery_dataset_iam_member.destination_owner,
  ]
}
