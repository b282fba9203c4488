# Inputs of the prod root: its own defaults and guards; a shared setting left null takes the platform module's default.

# Settings that every environment shares default to null here: the platform module (nullable = false) then applies
# its default, so shared defaults live once, in modules/platform/variables.tf. Only this environment's own
# choices carry a default below.

# --- Project and placement -------------------------------------------------------------------------------------
variable "project_id" {
  description = "GCP project of this environment (no default: project ids are never hard-coded)."
  type        = string
}

variable "environment" {
  description = "Environment name; part of every resource name (elt-<environment>-...)."
  type        = string
  default     = "prod"

  validation {
    condition     = var.environment == "prod"
    error_message = "This root is the prod environment."
  }
}

variable "region" {
  description = "Region of Composer, the network, Artifact Registry and Cloud SQL; the providers default to it too."
  type        = string
  default     = "europe-west1"
}

variable "bq_location" {
  description = "BigQuery location of every dataset."
  type        = string
  default     = null
}

variable "labels" {
  description = "Extra labels (cost center, owner team) added to every labelled resource."
  type        = map(string)
  default     = null
}

variable "deletion_protection" {
  description = "Protect datasets, secrets and databases from deletion. Always on in prod."
  type        = bool
  default     = true

  validation {
    condition     = var.deletion_protection
    error_message = "Deletion protection cannot be turned off in prod."
  }
}

variable "kms_key_name" {
  description = "Optional Cloud KMS key (CMEK) for datasets, the staging bucket and the image repository."
  type        = string
  default     = null
}

# --- BigQuery ----------------------------------------------------------------------------------------------------
variable "dataset_names" {
  description = "BigQuery dataset names by role; the extractor writes <raw dataset>_staging next to each raw dataset."
  type        = map(string)
  default     = null
}

variable "default_table_expiration_days" {
  description = "Default table expiration of the raw, staging and marts datasets (null: never). Prod tables never expire."
  type        = number
  default     = null
}

variable "raw_staging_table_expiration_days" {
  description = "Default table expiration of the <raw>_staging scratch datasets."
  type        = number
  default     = null
}

variable "powerbi_readers" {
  description = "IAM members (a service account or a group) that Power BI reads marts with: dataViewer on marts, jobUser, readSessionUser."
  type        = list(string)
  default     = null
}

# --- Storage, images, secrets ------------------------------------------------------------------------------------
variable "staging_bucket_name" {
  description = "Name of dlt's load-staging bucket (null: <project_id>-elt-staging)."
  type        = string
  default     = null
}

variable "staging_bucket_location" {
  description = "Location of the staging bucket; must be compatible with bq_location (EU with EU, a region with the same region)."
  type        = string
  default     = null
}

variable "staged_file_retention_days" {
  description = "Staged load files are deleted after this many days."
  type        = number
  default     = 7
}

variable "artifact_repository_id" {
  description = "Artifact Registry Docker repository of the extract and dbt images."
  type        = string
  default     = null
}

variable "artifact_keep_versions" {
  description = "Most recent versions of each image that the cleanup policy always keeps."
  type        = number
  default     = null
}

variable "image_pushers" {
  description = "IAM members that push images (the CI service account)."
  type        = list(string)
  default     = null
}

variable "image_tag" {
  description = "Tag of the extract and dbt images that the DAG runs (git SHA or semver; never latest)."
  type        = string
}

variable "secret_replica_locations" {
  description = "Regions that secrets are replicated to (empty: automatic replication)."
  type        = list(string)
  default     = null
}

# --- Composer ------------------------------------------------------------------------------------------------------
variable "composer_image_version" {
  description = "Pinned Composer 3 image, e.g. composer-3-airflow-2.10.5-build.N."
  type        = string
}

variable "composer_environment_size" {
  description = "Composer environment size."
  type        = string
  default     = "ENVIRONMENT_SIZE_MEDIUM"
}

variable "composer_resilience_mode" {
  description = "STANDARD_RESILIENCE or HIGH_RESILIENCE."
  type        = string
  default     = "HIGH_RESILIENCE"
}

variable "composer_workloads" {
  description = "Resources of the Airflow components (the extract and dbt pods are sized by the DAG, not here)."
  type = object({
    scheduler     = object({ cpu = number, memory_gb = number, storage_gb = number, count = number })
    dag_processor = object({ cpu = number, memory_gb = number, storage_gb = number, count = number })
    triggerer     = object({ cpu = number, memory_gb = number, count = number })
    web_server    = object({ cpu = number, memory_gb = number, storage_gb = number })
    worker        = object({ cpu = number, memory_gb = number, storage_gb = number, min_count = number, max_count = number })
  })
  default = {
    scheduler     = { cpu = 1, memory_gb = 4, storage_gb = 1, count = 2 }
    dag_processor = { cpu = 1, memory_gb = 4, storage_gb = 1, count = 1 }
    triggerer     = { cpu = 0.5, memory_gb = 1, count = 2 }
    web_server    = { cpu = 1, memory_gb = 4, storage_gb = 1 }
    worker        = { cpu = 1, memory_gb = 4, storage_gb = 2, min_count = 1, max_count = 4 }
  }
}

variable "dag_deployers" {
  description = "IAM members (CI) that upload DAGs to the Composer bucket's dags/ folder."
  type        = list(string)
  default     = null
}

variable "pods_impersonate_workload_sa" {
  description = "Pods impersonate their workload service account (true), or the Composer service account also gets the workload roles (fallback)."
  type        = bool
  default     = null
}

variable "subnet_cidr" {
  description = "Primary range of the workloads subnetwork."
  type        = string
  default     = null
}

# --- Monitoring ----------------------------------------------------------------------------------------------------
variable "alert_email" {
  description = "Team address that receives every alert (also AIRFLOW_VAR_ELT_ALERT_EMAIL)."
  type        = string
}

variable "extra_notification_channels" {
  description = "Ids of notification channels managed elsewhere that also receive every alert."
  type        = list(string)
  default     = null
}

variable "extract_sources" {
  description = "Sources that the no-successful-run alert watches."
  type        = list(string)
  default     = null
}

variable "no_success_window_hours" {
  description = "Alert when a source has had no successful run for this many hours."
  type        = number
  default     = null
}

variable "run_log_filter_extra" {
  description = "Optional Logging-query clause that narrows the run_finished log-based metrics (e.g. to the composer-user-workloads namespace)."
  type        = string
  default     = null
}

variable "runbook_url" {
  description = "URL of docs/runbook.md in the repository browser; alerts link to its sections."
  type        = string
  default     = null
}

# --- Dev databases (dev only) ----------------------------------------------------------------------------------------
variable "enable_dev_databases" {
  description = "Create the dev Cloud SQL MySQL instance and MongoDB Atlas cluster. Never in prod: production databases belong to DevOps."
  type        = bool
  default     = false

  validation {
    condition     = !var.enable_dev_databases
    error_message = "Production source databases belong to the DevOps team; enable_dev_databases must stay false in prod."
  }
}

variable "mysql_tier" {
  description = "Cloud SQL tier of the dev MySQL instance."
  type        = string
  default     = null
}

variable "atlas_org_id" {
  description = "MongoDB Atlas organisation id of the dev cluster."
  type        = string
  default     = null
}

variable "atlas_region" {
  description = "Atlas region name of the dev cluster (GCP regions use Atlas names, e.g. WESTERN_EUROPE)."
  type        = string
  default     = null
}

variable "atlas_instance_size" {
  description = "Atlas tier of the dev cluster (M0/M2/M5 shared, M10+ dedicated with backups)."
  type        = string
  default     = null
}

variable "atlas_extra_allowed_cidrs" {
  description = "CIDRs besides the NAT egress IP allowed to reach the dev Atlas cluster (developer VPN ranges)."
  type        = list(string)
  default     = null
}

# --- Migration -------------------------------------------------------------------------------------------------------
variable "enable_migration" {
  description = "Create the legacy dataset copies (BigQuery Data Transfer Service) and their destination datasets."
  type        = bool
  default     = null
}

variable "migration_copies" {
  description = "Legacy PoC datasets to copy into this project, keyed by a short name; the destination dataset is created here."
  type = map(object({
    source_project_id      = string
    source_dataset_id      = string
    destination_dataset_id = string
    schedule               = optional(string)
    overwrite              = optional(bool, true)
  }))
  default = null
}

variable "transfer_admins" {
  description = "IAM members that run terraform apply for the migration (they must act as the migration service account)."
  type        = list(string)
  default     = null
}
