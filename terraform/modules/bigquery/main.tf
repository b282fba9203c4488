# BigQuery datasets of every layer with dataset-level IAM, job-level project roles and deletion protection in prod.
locals {
  # Terraform cannot make lifecycle.prevent_destroy depend on a variable, so protected and unprotected datasets are
  # two resources with the same body. An environment never flips between them (prod is always protected).
  protected_datasets   = var.deletion_protection ? var.datasets : {}
  unprotected_datasets = var.deletion_protection ? {} : var.datasets

  dataset_ids = merge(
    { for k, d in google_bigquery_dataset.protected : k => d.dataset_id },
    { for k, d in google_bigquery_dataset.unprotected : k => d.dataset_id },
  )

  access = { for a in var.access : "${a.dataset}/${a.role}/${a.principal}" => a }
}

resource "google_bigquery_dataset" "protected" {
  #checkov:skip=CKV_GCP_81:CMEK is opt-in through var.kms_key_name; the data owners accepted Google-managed encryption by default.
  for_each = local.protected_datasets

  project       = var.project_id
  dataset_id    = each.value.dataset_id
  friendly_name = each.value.dataset_id
  description   = each.value.description
  location      = var.location
  labels        = merge(var.labels, { layer = each.value.layer })

  default_table_expiration_ms = each.value.default_table_expiration_days == null ? null : each.value.default_table_expiration_days * 86400000
  delete_contents_on_destroy  = false

  dynamic "default_encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "google_bigquery_dataset" "unprotected" {
  #checkov:skip=CKV_GCP_81:CMEK is opt-in through var.kms_key_name; the data owners accepted Google-managed encryption by default.
  for_each = local.unprotected_datasets

  project       = var.project_id
  dataset_id    = each.value.dataset_id
  friendly_name = each.value.dataset_id
  description   = each.value.description
  location      = var.location
  labels        = merge(var.labels, { layer = each.value.layer })

  default_table_expiration_ms = each.value.default_table_expiration_days == null ? null : each.value.default_table_expiration_days * 86400000
  # Dev only: `terraform destroy` may drop a dataset with its tables.
  delete_contents_on_destroy = true

  dynamic "default_encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }
}

# Non-authoritative grants: people and tools may add their own dataset access next to these.
resource "google_bigquery_dataset_iam_member" "this" {
  for_each = local.access

  project    = var.project_id
  dataset_id = local.dataset_ids[each.value.dataset]
  role       = each.value.role
  member     = each.value.member
}

# Project-level BigQuery roles are limited to running jobs and read sessions: no data access comes with them.
resource "google_project_iam_member" "job_user" {
  for_each = var.job_users

  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = each.value
}

resource "google_project_iam_member" "read_session_user" {
  for_each = var.read_session_users

  project = var.project_id
  role    = "roles/bigquery.readSessionUser"
  member  = each.value
}
