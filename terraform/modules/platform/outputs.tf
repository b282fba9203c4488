# Outputs of the platform: what the DAG, CI and operators need; each environment root passes them through.
output "image_registry" {
  description = "Image prefix; push REGISTRY/extract:TAG and REGISTRY/dbt:TAG."
  value       = module.artifact_registry.registry
}

output "composer_airflow_uri" {
  description = "Airflow UI."
  value       = module.composer.airflow_uri
}

output "composer_dag_gcs_prefix" {
  description = "Where DAG files are deployed (gsutil/gcloud storage cp dags/* <prefix>/)."
  value       = module.composer.dag_gcs_prefix
}

output "composer_env_variables" {
  description = "AIRFLOW_VAR_* names set on the environment."
  value       = module.composer.env_variable_names
}

output "staging_bucket" {
  description = "dlt's load-staging bucket."
  value       = module.storage.bucket_name
}

output "dataset_ids" {
  description = "BigQuery dataset ids by key."
  value       = module.bigquery.dataset_ids
}

output "service_accounts" {
  description = "Service account emails: the Composer environment and each workload."
  value = merge(
    { composer = module.service_accounts.composer_email },
    module.service_accounts.workload_emails,
  )
}

output "secret_ids" {
  description = "Secret Manager secret ids (containers only; add versions with gcloud secrets versions add)."
  value       = module.secrets.secret_ids
}

output "nat_egress_ip" {
  description = "Fixed egress IP of the pods, for source-side allow-lists."
  value       = module.network.nat_egress_ip
}

output "monitoring" {
  description = "Alert policy ids, dashboard id and log-based metric types."
  value = {
    alert_policies = module.monitoring.alert_policy_ids
    dashboard      = module.monitoring.dashboard_id
    metrics        = module.monitoring.log_metric_types
  }
}

output "dev_databases" {
  description = "Dev MySQL and Atlas endpoints (null where disabled)."
  value = {
    mysql_connection_name = module.dev_databases.mysql_instance_connection_name
    mysql_private_ip      = module.dev_databases.mysql_private_ip
    atlas_srv             = module.dev_databases.atlas_connection_string
  }
}

output "migration" {
  description = "Migration service account and transfer config names (null/empty where disabled)."
  value = {
    service_account  = module.migration.service_account_email
    transfer_configs = module.migration.transfer_config_names
  }
}
