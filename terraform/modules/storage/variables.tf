# Inputs of the storage module.
variable "project_id" {
  description = "Project that the bucket lives in."
  type        = string
}

variable "bucket_name" {
  description = "Globally unique name of dlt's load-staging bucket."
  type        = string
}

variable "location" {
  description = "Bucket location; keep it compatible with the BigQuery location (same region, or the EU/US multi-region)."
  type        = string
}

variable "labels" {
  description = "Labels put on the bucket."
  type        = map(string)
}

variable "staged_file_retention_days" {
  description = "Staged load files are deleted this many days after they were written."
  type        = number
  default     = 7

  validation {
    condition     = var.staged_file_retention_days >= 1
    error_message = "staged_file_retention_days must be at least 1."
  }
}

variable "object_admins" {
  description = "Principals that read and write staged files, keyed by a static label: label => IAM member."
  type        = map(string)
  default     = {}
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket with its objects (dev only)."
  type        = bool
  default     = false
}

variable "kms_key_name" {
  description = "Cloud KMS key for default object encryption (CMEK), or null for Google-managed keys."
  type        = string
  default     = null
}
