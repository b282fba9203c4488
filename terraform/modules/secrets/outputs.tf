# Outputs of the secrets module.
output "secret_ids" {
  description = "Secret ids created (containers only)."
  value       = sort(keys(google_secret_manager_secret.this))
}

output "secret_names" {
  description = "Full resource name of each secret (projects/NUMBER/secrets/ID)."
  value       = { for k, s in google_secret_manager_secret.this : k => s.name }
}
