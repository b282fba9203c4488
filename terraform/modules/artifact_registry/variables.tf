# Inputs of the artifact_registry module.
variable "project_id" {
  description = "Project that the repository lives in."
  type        = string
}

variable "location" {
  description = "Region of the repository (images are pulled as LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG)."
  type        = string
}

variable "repository_id" {
  description = "Repository id, e.g. elt."
  type        = string
}

variable "labels" {
  description = "Labels put on the repository."
  type        = map(string)
}

variable "image_names" {
  description = "Images kept in the repository; the cleanup policy keeps the newest versions of each."
  type        = list(string)
  default     = ["extract", "dbt"]
}

variable "keep_versions" {
  description = "How many of the most recent versions of each image are always kept."
  type        = number
  default     = 10

  validation {
    condition     = var.keep_versions >= 1
    error_message = "keep_versions must be at least 1."
  }
}

variable "delete_older_than_days" {
  description = "Versions beyond the kept ones are deleted once older than this many days (tagged) or 7 days (untagged)."
  type        = number
  default     = 30
}

variable "readers" {
  description = "Principals that pull images, keyed by a static label: label => IAM member."
  type        = map(string)
  default     = {}
}

variable "writers" {
  description = "Principals that push images (CI), as IAM members."
  type        = list(string)
  default     = []
}

variable "kms_key_name" {
  description = "Cloud KMS key for the repository (CMEK), or null for Google-managed keys."
  type        = string
  default     = null
}
