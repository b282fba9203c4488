# The Cloud Composer 3 environment: pinned image, sized workloads, private IP, AIRFLOW_VAR_* wiring and DAG deployers.
locals {
  env_variables = { for k, v in var.airflow_variables : "AIRFLOW_VAR_${upper(k)}" => v }

  airflow_config_overrides = merge(
    {
      # New DAGs start paused: enabling a DAG is an explicit go-live step.
      "core-dags_are_paused_at_creation" = "True"
      # Catch-up is decided per DAG (the ELT DAG sets catchup=False explicitly).
      "scheduler-catchup_by_default" = "False"
    },
    var.airflow_config_overrides,
  )
}

resource "google_composer_environment" "this" {
  # Composer 3 fields (enable_private_environment, dag_processor, ...) are used through google-beta,
  # which has them on every 6.x release.
  provider = google-beta

  project = var.project_id
  region  = var.region
  name    = var.name
  labels  = var.labels

  config {
    environment_size           = var.environment_size
    resilience_mode            = var.resilience_mode
    enable_private_environment = var.private_environment
    # No PyPI packages are installed: everything a task needs is in its image.
    enable_private_builds_only = var.private_environment

    software_config {
      image_version            = var.image_version
      env_variables            = local.env_variables
      airflow_config_overrides = local.airflow_config_overrides
    }

    node_config {
      service_account = var.service_account_email
      network         = var.network_id
      subnetwork      = var.subnetwork_id
    }

    workloads_config {
      scheduler {
        cpu        = var.workloads.scheduler.cpu
        memory_gb  = var.workloads.scheduler.memory_gb
        storage_gb = var.workloads.scheduler.storage_gb
        count      = var.workloads.scheduler.count
      }
      dag_processor {
        cpu        = var.workloads.dag_processor.cpu
        memory_gb  = var.workloads.dag_processor.memory_gb
        storage_gb = var.workloads.dag_processor.storage_gb
        count      = var.workloads.dag_processor.count
      }
      triggerer {
        cpu       = var.workloads.triggerer.cpu
        memory_gb = var.workloads.triggerer.memory_gb
        count     = var.workloads.triggerer.count
      }
      web_server {
        cpu        = var.workloads.web_server.cpu
        memory_gb  = var.workloads.web_server.memory_gb
        storage_gb = var.workloads.web_server.storage_gb
      }
      worker {
        cpu        = var.workloads.worker.cpu
        memory_gb  = var.workloads.worker.memory_gb
        storage_gb = var.workloads.worker.storage_gb
        min_count  = var.workloads.worker.min_count
        max_count  = var.workloads.worker.max_count
      }
    }

    maintenance_window {
      start_time = var.maintenance_window.start_time
      end_time   = var.maintenance_window.end_time
      recurrence = var.maintenance_window.recurrence
    }

    dynamic "recovery_config" {
      for_each = var.snapshot_schedule == null ? [] : [var.snapshot_schedule]
      content {
        scheduled_snapshots_config {
          enabled                    = true
          snapshot_creation_schedule = recovery_config.value
          time_zone                  = "UTC"
        }
      }
    }
  }
}

locals {
  # dag_gcs_prefix is gs://BUCKET/dags
  bucket_name = element(split("/", trimprefix(google_composer_environment.this.config[0].dag_gcs_prefix, "gs://")), 0)
}

# DAG deployment is an upload to gs://BUCKET/dags: deployers get object access on the environment's bucket only.
resource "google_storage_bucket_iam_member" "dag_deployer" {
  for_each = toset(var.dag_deployers)

  bucket = local.bucket_name
  role   = "roles/storage.objectUser"
  member = each.value
}
