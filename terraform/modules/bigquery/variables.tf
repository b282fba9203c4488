# Inputs of the bigquery module.
variable "project_id" {
  description = "Project that the datasets live in."
  type        = string
}

variable "location" {
  description = "BigQuery location of every dataset (e.g. EU, US, europe-west1)."
  type        = string
}

variable "labels" {
  description = "Labels put on every dataset (each dataset also gets a layer label)."
  type        = map(string)
}

variable "datasets" {
  description = <<-EOT
    Datasets keyed by a stable key (e.g. raw_mysql, raw_mysql_staging, marts). dataset_id is the BigQuery name;
    layer is raw, raw_staging, staging or marts; default_table_expiration_days is null for no expiration.
  EOT
  type = map(object({
    dataset_id                    = string
    layer                         = string
    description                   = string
    default_table_expiration_days = optional(number)
  }))

  validation {
    condition     = alltrue([for d in values(var.datasets) : contains(["raw", "raw_staging", "staging", "marts", "legacy"], d.layer)])
    error_message = "Every dataset's layer must be one of raw, raw_staging, staging, marts, legacy."
  }
}

variable "access" {
  description = <<-EOT
    Dataset-level IAM grants. principal is a static label (it becomes part of the for_each key, so it must be known at
    plan time); member is the IAM member, e.g. serviceAccount:x@p.iam.gserviceaccount.com or group:bi@example.com.
  EOT
  type = list(object({
    dataset   = string
    role      = string
    principal = string
    member    = string
  }))
  default = []

  validation {
    condition     = alltrue([for a in var.access : contains(["roles/bigquery.dataViewer", "roles/bigquery.dataEditor", "roles/bigquery.dataOwner"], a.role)])
    error_message = "Dataset grants are limited to roles/bigquery.dataViewer, dataEditor and dataOwner."
  }
}

variable "deletion_protection" {
  description = "Refuse to destroy datasets (prevent_destroy) and never delete their tables with them. Must be true in prod."
  type        = bool
}

variable "kms_key_name" {
  description = "Cloud KMS key for the datasets' default encryption (CMEK), or null for Google-managed keys."
  type        = string
  default     = null
}

variable "job_users" {
  description = "Principals that run BigQuery jobs in this project (roles/bigquery.jobUser), keyed by a static label."
  type        = map(string)
  default     = {}
}

variable "read_session_users" {
  description = "Principals that read through the BigQuery Storage Read API (roles/bigquery.readSessionUser), e.g. Power BI, keyed by a static label."
  type        = map(string)
  default     = {}
}
