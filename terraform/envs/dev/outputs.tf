# Outputs of the dev root: the platform module's outputs, passed through for the DAG, CI and operators.
output "image_registry" {
  description = "Image prefix; push REGISTRY/extract:TAG and REGISTRY/dbt:TAG."
  value       = module.platform.image_registry
}

output "composer_airflow_uri" {
  description = "Airflow UI."
  value       = module.platform.composer_airflow_uri
}

output "composer_dag_gcs_prefix" {
  description = "Where DAG files are deployed (gsutil/gcloud storage cp dags/* <prefix>/)."
  value       = module.platform.composer_dag_gcs_prefix
}

output "composer_env_variables" {
  description = "AIRFLOW_VAR_* names set on the environment."
  value       = module.platform.composer_env_variables
}

output "staging_bucket" {
  description = "dlt's load-staging bucket."
  value       = module.platform.staging_bucket
}

output "dataset_ids" {
  description = "BigQuery dataset ids by key."
  value       = module.platform.dataset_ids
}

output "service_accounts" {
  description = "Service account emails: the Composer environment and each workload."
  value       = module.platform.service_accounts
}

output "secret_ids" {
  description = "Secret Manager secret ids (containers only; add versions with gcloud secrets versions add)."
  value       = module.platform.secret_ids
}

output "nat_egress_ip" {
  description = "Fixed egress IP of the pods, for source-side allow-lists."
  value       = module.platform.nat_egress_ip
}

output "monitoring" {
  description = "Alert policy ids, dashboard id and log-based metric types."
  value       = module.platform.monitoring
}

output "dev_databases" {
  description = "Dev MySQL and Atlas endpoints (null where disabled)."
  value       = module.platform.dev_databases
}

output "migration" {
  description = "Migration service account and transfer config names (null/empty where disabled)."
  value       = module.platform.migration
}
