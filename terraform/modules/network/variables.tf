# Inputs of the network module.
variable "project_id" {
  description = "Project that the network lives in."
  type        = string
}

variable "region" {
  description = "Region of the subnetwork, router and NAT (the Composer region)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every network resource name, e.g. elt-dev."
  type        = string
}

variable "subnet_cidr" {
  description = "Primary range of the workloads subnetwork that Composer 3 attaches to (it needs at least 4 free addresses per environment)."
  type        = string
  default     = "10.10.0.0/24"
}

variable "enable_private_service_access" {
  description = "Reserve a range and peer it with Google services, for private-IP Cloud SQL (dev databases)."
  type        = bool
  default     = false
}

variable "private_service_access_prefix_length" {
  description = "Prefix length of the range reserved for private services access."
  type        = number
  default     = 20
}
