# Outputs of the storage module.
output "bucket_name" {
  description = "Name of the load-staging bucket."
  value       = google_storage_bucket.staging.name
}

output "bucket_url" {
  description = "gs:// URL of the load-staging bucket (dlt's staging bucket_url)."
  value       = google_storage_bucket.staging.url
}
