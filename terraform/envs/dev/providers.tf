# Provider configuration: the project and region come from variables, credentials from the environment (ADC, Atlas env keys).
provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

# Reads MONGODB_ATLAS_PUBLIC_KEY / MONGODB_ATLAS_PRIVATE_KEY. Without them it only warns, so environments that
# create no Atlas resources (enable_dev_databases = false) need no Atlas credentials.
provider "mongodbatlas" {}
