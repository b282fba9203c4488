# Provider requirements of the dev_databases module (Cloud SQL MySQL and MongoDB Atlas stand-ins for dev).
terraform {
  required_version = ">= 1.6, < 2.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
    mongodbatlas = {
      source  = "mongodb/mongodbatlas"
      version = "~> 1.30"
    }
  }
}
