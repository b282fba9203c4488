# Outputs of the service_accounts module.
output "composer_email" {
  description = "Email of the Composer environment's service account."
  value       = google_service_account.composer.email
}

output "workload_emails" {
  description = "Email of each workload service account: extract, dbt, powerbi."
  value       = { for k, sa in google_service_account.workload : k => sa.email }
}

output "workload_principals" {
  description = "For each workload, the IAM members that act as it, keyed by a static label (for for_each keys)."
  value       = local.workload_principals
}
