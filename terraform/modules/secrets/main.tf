# Secret Manager containers for the source and Power BI credentials; values are added out of band and never enter state.
locals {
  accessor_bindings = merge([
    for secret_id, s in var.secrets : {
      for label, member in s.accessors : "${secret_id}/${label}" => { secret_id = secret_id, member = member }
    }
  ]...)
}

resource "google_secret_manager_secret" "this" {
  for_each = var.secrets

  project             = var.project_id
  secret_id           = each.key
  labels              = var.labels
  deletion_protection = var.deletion_protection

  annotations = {
    description = each.value.description
  }

  replication {
    dynamic "auto" {
      for_each = length(var.replica_locations) == 0 ? [1] : []
      content {}
    }

    dynamic "user_managed" {
      for_each = length(var.replica_locations) == 0 ? [] : [1]
      content {
        dynamic "replicas" {
          for_each = var.replica_locations
          content {
            location = replicas.value
          }
        }
      }
    }
  }
}

# Secret-level grants: each workload reads its own secrets and no other.
resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.accessor_bindings

  project   = var.project_id
  secret_id = google_secret_manager_secret.this[each.value.secret_id].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value.member
}
