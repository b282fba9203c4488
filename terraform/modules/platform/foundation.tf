# Foundation layer: project APIs, the VPC with Cloud NAT, and the platform's service accounts.
module "project_services" {
  source = "../project_services"

  project_id           = var.project_id
  enable_dev_databases = var.enable_dev_databases
  enable_migration     = var.enable_migration
}

module "network" {
  source = "../network"

  project_id                    = var.project_id
  region                        = var.region
  name_prefix                   = local.name_prefix
  subnet_cidr                   = var.subnet_cidr
  enable_private_service_access = var.enable_dev_databases

  depends_on = [module.project_services]
}

module "service_accounts" {
  source = "../service_accounts"

  project_id                   = var.project_id
  name_prefix                  = local.name_prefix
  composer_service_agent       = module.project_services.composer_service_agent
  pods_impersonate_workload_sa = var.pods_impersonate_workload_sa

  depends_on = [module.project_services]
}
