# Inputs of the composer module; dev and prod differ only in these values.
variable "project_id" {
  description = "Project that the environment lives in."
  type        = string
}

variable "region" {
  description = "Region of the environment."
  type        = string
}

variable "name" {
  description = "Environment name, e.g. elt-dev."
  type        = string
}

variable "labels" {
  description = "Labels put on the environment."
  type        = map(string)
}

variable "image_version" {
  description = "Pinned Composer 3 image, e.g. composer-3-airflow-2.10.5-build.N (pick a build from the Cloud Composer version list)."
  type        = string

  validation {
    condition     = can(regex("^composer-3-airflow-[0-9]+\\.[0-9]+\\.[0-9]+(-build\\.[0-9]+)?$", var.image_version))
    error_message = "image_version must be a Composer 3 image: composer-3-airflow-X.Y.Z or composer-3-airflow-X.Y.Z-build.N."
  }
}

variable "environment_size" {
  description = "ENVIRONMENT_SIZE_SMALL, ENVIRONMENT_SIZE_MEDIUM or ENVIRONMENT_SIZE_LARGE (sizes the Airflow database and web server)."
  type        = string
  default     = "ENVIRONMENT_SIZE_SMALL"

  validation {
    condition     = contains(["ENVIRONMENT_SIZE_SMALL", "ENVIRONMENT_SIZE_MEDIUM", "ENVIRONMENT_SIZE_LARGE"], var.environment_size)
    error_message = "environment_size must be ENVIRONMENT_SIZE_SMALL, ENVIRONMENT_SIZE_MEDIUM or ENVIRONMENT_SIZE_LARGE."
  }
}

variable "workloads" {
  description = "Resources of the Airflow components. The extract and dbt pods are separate (composer-user-workloads) and sized by the DAG."
  type = object({
    scheduler     = object({ cpu = number, memory_gb = number, storage_gb = number, count = number })
    dag_processor = object({ cpu = number, memory_gb = number, storage_gb = number, count = number })
    triggerer     = object({ cpu = number, memory_gb = number, count = number })
    web_server    = object({ cpu = number, memory_gb = number, storage_gb = number })
    worker        = object({ cpu = number, memory_gb = number, storage_gb = number, min_count = number, max_count = number })
  })
}

variable "resilience_mode" {
  description = "STANDARD_RESILIENCE, or HIGH_RESILIENCE (multi-zone Airflow database and schedulers; needs private IP)."
  type        = string
  default     = "STANDARD_RESILIENCE"

  validation {
    condition     = contains(["STANDARD_RESILIENCE", "HIGH_RESILIENCE"], var.resilience_mode)
    error_message = "resilience_mode must be STANDARD_RESILIENCE or HIGH_RESILIENCE."
  }
}

variable "service_account_email" {
  description = "The environment's service account; in Composer 3 it also runs every KubernetesPodOperator pod."
  type        = string
}

variable "network_id" {
  description = "VPC that the environment attaches to (pods reach the internet through its Cloud NAT)."
  type        = string
}

variable "subnetwork_id" {
  description = "Subnetwork that the environment attaches to."
  type        = string
}

variable "private_environment" {
  description = "Private IP networking: Airflow components and pods get no public IP; egress goes through the attached VPC."
  type        = bool
  default     = true
}

variable "airflow_variables" {
  description = "Airflow Variables exposed as AIRFLOW_VAR_<NAME> environment variables, keyed by lowercase name (elt_image_tag, ...)."
  type        = map(string)

  validation {
    condition     = alltrue([for k in keys(var.airflow_variables) : can(regex("^[a-z][a-z0-9_]*$", k))])
    error_message = "Airflow variable names must be lowercase snake_case; they are exposed as AIRFLOW_VAR_<UPPERCASE>."
  }
}

variable "airflow_config_overrides" {
  description = "Extra Airflow configuration overrides (section-key = value)."
  type        = map(string)
  default     = {}
}

variable "dag_deployers" {
  description = "IAM members (CI, release managers) that upload DAGs to the environment bucket's dags/ folder."
  type        = list(string)
  default     = []
}

variable "maintenance_window" {
  description = "Weekly maintenance window (UTC), away from the daily 00:00 UTC run."
  type = object({
    start_time = string
    end_time   = string
    recurrence = string
  })
  default = {
    start_time = "2025-01-04T08:00:00Z"
    end_time   = "2025-01-04T12:00:00Z"
    recurrence = "FREQ=WEEKLY;BYDAY=SA,SU"
  }
}

variable "snapshot_schedule" {
  description = "Cron (UTC) of scheduled environment snapshots for disaster recovery, or null to turn them off."
  type        = string
  default     = "0 6 * * *"
}
