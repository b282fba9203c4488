# Outputs of the composer module.
output "name" {
  description = "Environment name."
  value       = google_composer_environment.this.name
}

output "airflow_uri" {
  description = "URL of the Airflow UI."
  value       = google_composer_environment.this.config[0].airflow_uri
}

output "dag_gcs_prefix" {
  description = "gs:// path that DAG files are deployed to (the environment bucket's dags/ folder)."
  value       = google_composer_environment.this.config[0].dag_gcs_prefix
}

output "bucket_name" {
  description = "The environment's bucket."
  value       = local.bucket_name
}

output "env_variable_names" {
  description = "Names of the AIRFLOW_VAR_* environment variables set on the environment."
  value       = sort(keys(local.env_variables))
}
