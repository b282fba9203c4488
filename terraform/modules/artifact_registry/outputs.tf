# Outputs of the artifact_registry module.
output "repository_id" {
  description = "Repository id."
  value       = google_artifact_registry_repository.images.repository_id
}

output "registry" {
  description = "Image prefix LOCATION-docker.pkg.dev/PROJECT/REPOSITORY; images are REGISTRY/extract:TAG and REGISTRY/dbt:TAG."
  value       = "${var.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}
