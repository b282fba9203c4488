# Outputs of the monitoring module.
output "notification_channel_ids" {
  description = "Notification channels that every alert policy notifies."
  value       = local.notification_channels
}

output "log_metric_types" {
  description = "Metric types of the log-based metrics, for ad-hoc charts."
  value       = { for k, m in local.metric_names : k => "logging.googleapis.com/user/${m}" }
}

output "alert_policy_ids" {
  description = "Alert policy ids by name."
  value = {
    dag_run_failed     = google_monitoring_alert_policy.dag_run_failed.id
    task_failed        = google_monitoring_alert_policy.task_failed.id
    extract_failed     = google_monitoring_alert_policy.extract_failed.id
    composer_unhealthy = google_monitoring_alert_policy.composer_unhealthy.id
    no_successful_run  = google_monitoring_alert_policy.no_successful_run.id
  }
}

output "dashboard_id" {
  description = "Id of the ELT dashboard."
  value       = google_monitoring_dashboard.elt.id
}
