# Provider requirements of the artifact_registry module (Docker repository for the extract and dbt images).
terraform {
  required_version = ">= 1.6, < 2.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
  }
}
