# Inputs of the platform. Shared defaults live here only; inputs without a default are the ones each environment root decides.

# --- Project and placement -------------------------------------------------------------------------------------
variable "project_id" {
  description = "GCP project of this environment (no default: project ids are never hard-coded)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a GCP project id (6-30 lowercase letters, digits, dashes)."
  }
}

variable "environment" {
  description = "Environment name; part of every resource name (elt-<environment>-...)."
  type        = string
  nullable    = false
}

variable "region" {
  description = "Region of Composer, the network, Artifact Registry and Cloud SQL (each root decides: its providers use it too)."
  type        = string
  nullable    = false
}

variable "bq_location" {
  description = "BigQuery location of every dataset."
  type        = string
  nullable    = false
  default     = "EU"
}

variable "labels" {
  description = "Extra labels (cost center, owner team) added to every labelled resource."
  type        = map(string)
  nullable    = false
  default     = {}
}

variable "deletion_protection" {
  description = "Protect datasets, secrets and databases from deletion (each root decides; prod refuses false)."
  type        = bool
  nullable    = false
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
  nullable    = false
  default = {
    raw_mysql      = "raw_mysql"
    raw_mongodb    = "raw_mongodb"
    raw_hubspot    = "raw_hubspot"
    raw_salesforce = "raw_salesforce"
    staging        = "staging"
    marts          = "marts"
  }

  validation {
    condition     = toset(keys(var.dataset_names)) == toset(["raw_mysql", "raw_mongodb", "raw_hubspot", "raw_salesforce", "staging", "marts"])
    error_message = "dataset_names must name exactly raw_mysql, raw_mongodb, raw_hubspot, raw_salesforce, staging and marts."
  }
}

variable "default_table_expiration_days" {
  description = "Default table expiration of the raw, staging and marts datasets (null: never)."
  type        = number
}

variable "raw_staging_table_expiration_days" {
  description = "Default table expiration of the <raw>_staging scratch datasets."
  type        = number
  nullable    = false
  default     = 1
}

variable "powerbi_readers" {
  description = "IAM members (a service account or a group) that Power BI reads marts with: dataViewer on marts, jobUser, readSessionUser."
  type        = list(string)
  nullable    = false
  default     = []
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
  nullable    = false
  default     = "EU"
}

variable "staged_file_retention_days" {
  description = "Staged load files are deleted after this many days."
  type        = number
  nullable    = false
}

variable "artifact_repository_id" {
  description = "Artifact Registry Docker repository of the extract and dbt images."
  type        = string
  nullable    = false
  default     = "elt"
}

variable "artifact_keep_versions" {
  description = "Most recent versions of each image that the cleanup policy always keeps."
  type        = number
  nullable    = false
  default     = 10
}

variable "image_pushers" {
  description = "IAM members that push images (the CI service account)."
  type        = list(string)
  nullable    = false
  default     = []
}

variable "image_tag" {
  description = "Tag of the extract and dbt images that the DAG runs (git SHA or semver; never latest)."
  type        = string

  validation {
    condition     = var.image_tag != "latest" && can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid, immutable Docker tag (a git SHA or a semver), not latest."
  }
}

variable "secret_replica_locations" {
  description = "Regions that secrets are replicated to (empty: automatic replication)."
  type        = list(string)
  nullable    = false
  default     = []
}

# --- Composer ------------------------------------------------------------------------------------------------------
variable "composer_image_version" {
  description = "Pinned Composer 3 image, e.g. composer-3-airflow-2.10.5-build.N."
  type        = string
}

variable "composer_environment_size" {
  description = "Composer environment size."
  type        = string
  nullable    = false
}

variable "composer_resilience_mode" {
  description = "STANDARD_RESILIENCE or HIGH_RESILIENCE."
  type        = string
  nullable    = false
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
  nullable = false
}

variable "dag_deployers" {
  description = "IAM members (CI) that upload DAGs to the Composer bucket's dags/ folder."
  type        = list(string)
  nullable    = false
  default     = []
}

variable "pods_impersonate_workload_sa" {
  description = "Pods impersonate their workload service account (true), or the Composer service account also gets the workload roles (fallback)."
  type        = bool
  nullable    = false
  default     = true
}

variable "subnet_cidr" {
  description = "Primary range of the workloads subnetwork."
  type        = string
  nullable    = false
  default     = "10.10.0.0/24"
}

# --- Monitoring ----------------------------------------------------------------------------------------------------
variable "alert_email" {
  description = "Team address that receives every alert (also AIRFLOW_VAR_ELT_ALERT_EMAIL)."
  type        = string
}

variable "extra_notification_channels" {
  description = "Ids of notification channels managed elsewhere that also receive every alert."
  type        = list(string)
  nullable    = false
  default     = []
}

variable "extract_sources" {
  description = "Sources that the no-successful-run alert watches."
  type        = list(string)
  nullable    = false
  default     = ["mysql", "mongodb", "hubspot", "salesforce"]
}

variable "no_success_window_hours" {
  description = "Alert when a source has had no successful run for this many hours."
  type        = number
  nullable    = false
  default     = 26
}

variable "run_log_filter_extra" {
  description = "Optional Logging-query clause that narrows the run_finished log-based metrics (e.g. to the composer-user-workloads namespace)."
  type        = string
  nullable    = false
  default     = ""
}

variable "runbook_url" {
  description = "URL of docs/runbook.md in the repository browser; alerts link to its sections."
  type        = string
  nullable    = false
  default     = "docs/runbook.md"
}

# --- Dev databases (dev only) ----------------------------------------------------------------------------------------
variable "enable_dev_databases" {
  description = "Create the dev Cloud SQL MySQL instance and MongoDB Atlas cluster (never in prod: production databases belong to DevOps)."
  type        = bool
  nullable    = false
}

variable "mysql_tier" {
  description = "Cloud SQL tier of the dev MySQL instance."
  type        = string
  nullable    = false
  default     = "db-custom-1-3840"
}

variable "atlas_org_id" {
  description = "MongoDB Atlas organisation id of the dev cluster."
  type        = string
  nullable    = false
  default     = ""
}

variable "atlas_region" {
  description = "Atlas region name of the dev cluster (GCP regions use Atlas names, e.g. WESTERN_EUROPE)."
  type        = string
  nullable    = false
  default     = "WESTERN_EUROPE"
}

variable "atlas_instance_size" {
  description = "Atlas tier of the dev cluster (M0/M2/M5 shared, M10+ dedicated with backups)."
  type        = string
  nullable    = false
  default     = "M10"
}

variable "atlas_extra_allowed_cidrs" {
  description = "CIDRs besides the NAT egress IP allowed to reach the dev Atlas cluster (developer VPN ranges)."
  type        = list(string)
  nullable    = false
  default     = []
}

# --- Migration -------------------------------------------------------------------------------------------------------
variable "enable_migration" {
  description = "Create the legacy dataset copies (BigQuery Data Transfer Service) and their destination datasets."
  type        = bool
  nullable    = false
  default     = false
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
  nullable = false
  default  = {}
}

variable "transfer_admins" {
  description = "IAM members that run terraform apply for the migration (they must act as the migration service account)."
  type        = list(string)
  nullable    = false
  default     = []
}
