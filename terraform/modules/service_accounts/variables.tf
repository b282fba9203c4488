# Inputs of the service_accounts module.
variable "project_id" {
  description = "Project that the service accounts live in."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every service account id, e.g. elt-dev (ids must stay within 30 characters)."
  type        = string

  validation {
    condition     = length(var.name_prefix) <= 14 && can(regex("^[a-z][a-z0-9-]+$", var.name_prefix))
    error_message = "name_prefix must be lowercase letters, digits and dashes, at most 14 characters (service account ids are at most 30)."
  }
}

variable "composer_service_agent" {
  description = "Email of the Cloud Composer service agent (service-PROJECT_NUMBER@cloudcomposer-accounts.iam.gserviceaccount.com)."
  type        = string
}

variable "pods_impersonate_workload_sa" {
  description = <<-EOT
    Composer 3 runs every KubernetesPodOperator pod as the environment's service account. With true (the default),
    pods impersonate their workload service account and only the workload accounts hold data roles. With false, the
    environment's service account also receives the workload roles: a fallback for images that cannot impersonate yet.
  EOT
  type        = bool
  default     = true
}
