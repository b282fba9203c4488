# Docker repository for the extract and dbt images, with immutable tags and a cleanup policy keeping the last N versions.
resource "google_artifact_registry_repository" "images" {
  #checkov:skip=CKV_GCP_84:CMEK is opt-in through var.kms_key_name; the images hold code only, no data or secrets.
  project       = var.project_id
  location      = var.location
  repository_id = var.repository_id
  description   = "Container images of the ELT platform (extract, dbt)."
  format        = "DOCKER"
  labels        = var.labels
  kms_key_name  = var.kms_key_name

  # A tag (git SHA or semver) always names the same image: a DAG pinned to a tag cannot change under it.
  docker_config {
    immutable_tags = true
  }

  cleanup_policy_dry_run = false

  # KEEP policies win over DELETE policies: the newest keep_versions versions of each image always stay.
  cleanup_policies {
    id     = "keep-most-recent"
    action = "KEEP"
    most_recent_versions {
      package_name_prefixes = var.image_names
      keep_count            = var.keep_versions
    }
  }

  cleanup_policies {
    id     = "delete-old-tagged"
    action = "DELETE"
    condition {
      tag_state  = "TAGGED"
      older_than = "${var.delete_older_than_days * 86400}s"
    }
  }

  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "604800s"
    }
  }
}

resource "google_artifact_registry_repository_iam_member" "reader" {
  for_each = var.readers

  project    = var.project_id
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.reader"
  member     = each.value
}

resource "google_artifact_registry_repository_iam_member" "writer" {
  for_each = toset(var.writers)

  project    = var.project_id
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = each.value
}
