# Orchestration layer: the Cloud Composer 3 environment that runs the ELT DAG.
module "composer" {
  source = "../composer"

  project_id            = var.project_id
  region                = var.region
  name                  = local.name_prefix
  labels                = local.labels
  image_version         = var.composer_image_version
  environment_size      = var.composer_environment_size
  workloads             = var.composer_workloads
  resilience_mode       = var.composer_resilience_mode
  service_account_email = module.service_accounts.composer_email
  network_id            = module.network.network_id
  subnetwork_id         = module.network.subnetwork_id
  airflow_variables     = local.airflow_variables
  dag_deployers         = var.dag_deployers

  # The environment's service account must hold its roles before the environment is created.
  depends_on = [module.service_accounts, module.artifact_registry]
}
