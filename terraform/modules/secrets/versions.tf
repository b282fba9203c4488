# Provider requirements of the secrets module (Secret Manager containers and accessor IAM).
terraform {
  required_version = ">= 1.6, < 2.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
  }
}
