# Outputs of the migration module.
output "service_account_email" {
  description = "Migration service account; grant it roles/bigquery.dataViewer on each legacy source dataset."
  value       = var.enabled ? google_service_account.migration[0].email : null
}

output "transfer_config_names" {
  description = "Transfer config resource names by copy key (for `bq mk --transfer_run` / `bq ls --transfer_run`)."
  value       = { for k, t in google_bigquery_data_transfer_config.copy : k => t.name }
}
