# Outputs of the project_services module: enabled APIs and service-agent emails.
output "enabled_services" {
  description = "APIs enabled by this module."
  value       = sort([for s in google_project_service.this : s.service])
}

output "composer_service_agent" {
  description = "Email of the Cloud Composer service agent."
  value       = google_project_service_identity.composer.email
}

output "bigquery_data_transfer_service_agent" {
  description = "Email of the BigQuery Data Transfer Service agent, or null when the migration is off."
  value       = var.enable_migration ? google_project_service_identity.bigquery_data_transfer[0].email : null
}
