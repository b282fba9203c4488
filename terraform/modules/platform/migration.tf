# Migration layer behind enable_migration: BigQuery Data Transfer Service copies of the legacy PoC datasets.
module "migration" {
  source = "../migration"

  enabled                     = var.enable_migration
  project_id                  = var.project_id
  location                    = var.bq_location
  name_prefix                 = local.name_prefix
  data_transfer_service_agent = module.project_services.bigquery_data_transfer_service_agent
  transfer_admins             = var.transfer_admins

  copies = {
    for k, c in var.migration_copies : k => merge(c, {
      destination_dataset_id = module.bigquery.dataset_ids["legacy_${k}"]
    }) if var.enable_migration
  }
}
