# Inputs of the secrets module.
variable "project_id" {
  description = "Project that the secrets live in."
  type        = string
}

variable "secrets" {
  description = <<-EOT
    Secret containers keyed by secret id. accessors maps a static label to an IAM member that gets
    roles/secretmanager.secretAccessor on that secret only. Values are added out of band, never by Terraform.
  EOT
  type = map(object({
    description = string
    accessors   = map(string)
  }))
}

variable "labels" {
  description = "Labels put on every secret."
  type        = map(string)
}

variable "replica_locations" {
  description = "Regions to replicate secrets to (data residency); empty for automatic replication."
  type        = list(string)
  default     = []
}

variable "deletion_protection" {
  description = "Refuse to destroy the secret containers."
  type        = bool
}
