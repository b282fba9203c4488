# Inputs of the migration module.
variable "project_id" {
  description = "Destination project (the new platform's project)."
  type        = string
}

variable "location" {
  description = "BigQuery location of the destination datasets; each transfer config lives there."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the migration service account id, e.g. elt-dev."
  type        = string
}

variable "copies" {
  description = <<-EOT
    Dataset copies keyed by a stable name. destination_dataset_id must exist (the bigquery module creates it).
    schedule null means on demand: auto-scheduling is off and each copy is started with `bq mk --transfer_run`.
  EOT
  type = map(object({
    source_project_id      = string
    source_dataset_id      = string
    destination_dataset_id = string
    schedule               = optional(string)
    overwrite              = optional(bool, true)
  }))
  default = {}
}

variable "enabled" {
  description = "Create the transfer configs. Turn off after go-live to stop copying (the copied data stays)."
  type        = bool
  default     = false
}

variable "data_transfer_service_agent" {
  description = "Email of the BigQuery Data Transfer Service agent (service-PROJECT_NUMBER@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com)."
  type        = string
  default     = null
}

variable "transfer_admins" {
  description = "IAM members (the identity running terraform apply) allowed to attach the migration service account to transfers."
  type        = list(string)
  default     = []
}
