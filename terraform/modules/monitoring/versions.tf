# Provider requirements of the monitoring module (log-based metrics, alert policies, dashboard).
terraform {
  required_version = ">= 1.6, < 2.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
  }
}
