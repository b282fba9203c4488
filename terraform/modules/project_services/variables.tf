# Inputs of the project_services module: which project and which optional features need APIs.
variable "project_id" {
  description = "Project that the platform lives in."
  type        = string
}

variable "enable_dev_databases" {
  description = "Also enable the APIs of the dev-only Cloud SQL instance (sqladmin, servicenetworking)."
  type        = bool
  default     = false
}

variable "enable_migration" {
  description = "Also enable the BigQuery Data Transfer Service API used by the dataset-copy migration."
  type        = bool
  default     = false
}

variable "extra_services" {
  description = "Additional APIs to enable, e.g. for a team-specific integration."
  type        = list(string)
  default     = []
}
