# Outputs of the dev_databases module (null when disabled).
output "mysql_instance_connection_name" {
  description = "Cloud SQL connection name PROJECT:REGION:INSTANCE."
  value       = var.enabled ? google_sql_database_instance.mysql[0].connection_name : null
}

output "mysql_private_ip" {
  description = "Private IP of the MySQL instance."
  value       = var.enabled ? google_sql_database_instance.mysql[0].private_ip_address : null
}

output "atlas_connection_string" {
  description = "mongodb+srv host of the Atlas cluster (no credentials)."
  value       = var.enabled ? mongodbatlas_advanced_cluster.this[0].connection_strings[0].standard_srv : null
}
