# Inputs of the dev_databases module; everything is off unless enabled (production databases belong to DevOps).
variable "enabled" {
  description = "Create the dev source databases. Keep false in prod: production MySQL and MongoDB are owned by the DevOps team."
  type        = bool
  default     = false
}

variable "project_id" {
  description = "Project that the Cloud SQL instance lives in."
  type        = string
}

variable "region" {
  description = "Region of the Cloud SQL instance."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of resource names, e.g. elt-dev."
  type        = string
}

variable "labels" {
  description = "Labels put on the Cloud SQL instance."
  type        = map(string)
}

variable "network_id" {
  description = "VPC whose private services access range gives Cloud SQL its private IP."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the Cloud SQL instance from deletion."
  type        = bool
  default     = true
}

variable "mysql_tier" {
  description = "Cloud SQL machine tier of the MySQL instance."
  type        = string
  default     = "db-custom-1-3840"
}

variable "mysql_database" {
  description = "Database created on the instance for the demo/dev data."
  type        = string
  default     = "app"
}

variable "atlas_org_id" {
  description = "MongoDB Atlas organisation id; credentials come from MONGODB_ATLAS_PUBLIC_KEY / MONGODB_ATLAS_PRIVATE_KEY, never from Terraform variables."
  type        = string
  default     = ""
}

variable "atlas_region" {
  description = "Atlas region name for GCP, e.g. WESTERN_EUROPE (europe-west1) or CENTRAL_US (us-central1)."
  type        = string
  default     = "WESTERN_EUROPE"
}

variable "atlas_instance_size" {
  description = "Atlas tier. M0/M2/M5 are shared (no backups, no private endpoints); M10+ is dedicated with backups."
  type        = string
  default     = "M10"
}

variable "atlas_nat_egress_ip" {
  description = "The platform's NAT egress IP (required when enabled); the Atlas access list always allows it, so that the extract pods can connect."
  type        = string
  default     = null
}

variable "atlas_allowed_cidrs" {
  description = "Further CIDRs allowed to reach the Atlas cluster (developer or VPN ranges). Must be known at plan time."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.atlas_allowed_cidrs, "0.0.0.0/0")
    error_message = "The Atlas cluster must not be open to the whole internet."
  }
}
