# Data layer: BigQuery datasets and grants, dlt's staging bucket, the image registry and the secret containers.
module "bigquery" {
  source = "../bigquery"

  project_id          = var.project_id
  location            = var.bq_location
  labels              = local.labels
  datasets            = local.datasets
  access              = local.dataset_access
  job_users           = local.job_users
  read_session_users  = { for reader in var.powerbi_readers : "powerbi.${reader}" => reader }
  deletion_protection = var.deletion_protection
  kms_key_name        = var.kms_key_name

  depends_on = [module.project_services]
}

module "storage" {
  source = "../storage"

  project_id                 = var.project_id
  bucket_name                = coalesce(var.staging_bucket_name, "${var.project_id}-elt-staging")
  location                   = var.staging_bucket_location
  labels                     = local.labels
  staged_file_retention_days = var.staged_file_retention_days
  object_admins              = { for label, member in local.principals.extract : "extract.${label}" => member }
  force_destroy              = !var.deletion_protection
  kms_key_name               = var.kms_key_name

  depends_on = [module.project_services]
}

module "artifact_registry" {
  source = "../artifact_registry"

  project_id    = var.project_id
  location      = var.region
  repository_id = var.artifact_repository_id
  labels        = local.labels
  keep_versions = var.artifact_keep_versions
  readers       = { composer = "serviceAccount:${module.service_accounts.composer_email}" }
  writers       = var.image_pushers
  kms_key_name  = var.kms_key_name

  depends_on = [module.project_services]
}

module "secrets" {
  source = "../secrets"

  project_id          = var.project_id
  secrets             = local.secrets
  labels              = local.labels
  replica_locations   = var.secret_replica_locations
  deletion_protection = var.deletion_protection

  depends_on = [module.project_services]
}
