# Outputs of the bigquery module.
output "dataset_ids" {
  description = "BigQuery dataset id of each dataset key."
  value       = local.dataset_ids
}

output "location" {
  description = "BigQuery location of the datasets."
  value       = var.location
}
