# The bucket where dlt stages load files before BigQuery load jobs pick them up; files are deleted after N days.
resource "google_storage_bucket" "staging" {
  #checkov:skip=CKV_GCP_62:Staged files are transient load inputs; access is audited with Cloud Audit Logs, not legacy usage-log buckets.
  project       = var.project_id
  name          = var.bucket_name
  location      = var.location
  labels        = var.labels
  storage_class = "STANDARD"
  force_destroy = var.force_destroy

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # Versioning keeps an overwritten or deleted staged file for one more day, for a rerun's post-mortem.
  versioning {
    enabled = true
  }

  # Staged files are scratch: no soft-delete copy to pay for after the lifecycle rule removes them.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  lifecycle_rule {
    condition {
      age = var.staged_file_retention_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 1
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }
}

# Bucket-level grant only: the workload can touch staged files and nothing else in Cloud Storage.
resource "google_storage_bucket_iam_member" "object_admin" {
  for_each = var.object_admins

  bucket = google_storage_bucket.staging.name
  role   = "roles/storage.objectAdmin"
  member = each.value
}
