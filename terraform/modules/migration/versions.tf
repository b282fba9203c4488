# Provider requirements of the migration module (BigQuery Data Transfer Service dataset copies).
terraform {
  required_version = ">= 1.6, < 2.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
  }
}
