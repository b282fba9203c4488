# Dev-only source databases behind enable_dev_databases: Cloud SQL MySQL 8 and MongoDB Atlas (off in prod).
module "dev_databases" {
  source = "../dev_databases"

  enabled             = var.enable_dev_databases
  project_id          = var.project_id
  region              = var.region
  name_prefix         = local.name_prefix
  labels              = local.labels
  network_id          = module.network.network_id
  deletion_protection = var.deletion_protection
  mysql_tier          = var.mysql_tier
  atlas_org_id        = var.atlas_org_id
  atlas_region        = var.atlas_region
  atlas_instance_size = var.atlas_instance_size
  atlas_nat_egress_ip = module.network.nat_egress_ip
  atlas_allowed_cidrs = var.atlas_extra_allowed_cidrs

  # Cloud SQL's private IP needs the private services access peering first.
  depends_on = [module.network]
}
