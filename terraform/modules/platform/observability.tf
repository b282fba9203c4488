# Observability layer: log-based metrics on the extractor's run reports, alert policies and the dashboard.
module "monitoring" {
  source = "../monitoring"

  project_id                  = var.project_id
  environment                 = var.environment
  alert_email                 = var.alert_email
  extra_notification_channels = var.extra_notification_channels
  composer_environment_name   = module.composer.name
  sources                     = var.extract_sources
  no_success_window_hours     = var.no_success_window_hours
  run_log_filter_extra        = var.run_log_filter_extra
  runbook_url                 = var.runbook_url

  depends_on = [module.project_services]
}
