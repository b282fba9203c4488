# Notification channel and alert policies: DAG run failed, task failed, extract exit code != 0, Composer unhealthy, no success in 26 h.
resource "google_monitoring_notification_channel" "email" {
  project      = var.project_id
  display_name = "ELT ${var.environment} on-call (${var.alert_email})"
  type         = "email"

  labels = {
    email_address = var.alert_email
  }
}

locals {
  notification_channels = concat([google_monitoring_notification_channel.email.id], var.extra_notification_channels)
  title_prefix          = "[ELT ${var.environment}]"

  promql_runs = "logging_googleapis_com:user_${google_logging_metric.run_finished["runs"].name}"
  no_success_query = join(" or ", [
    for s in var.sources :
    "absent_over_time(${local.promql_runs}{status=\"success\",source=\"${s}\"}[${var.no_success_window_hours}h])"
  ])
}

# Alerts that fire when a failure counter rises above zero in a 5-minute window. They share one shape and differ
# only in data; the content ends in the docs/runbook.md anchor of each alert.
locals {
  count_alerts = {
    dag_run_failed = {
      display_name    = "${local.title_prefix} DAG run failed"
      severity        = "ERROR"
      condition       = "Composer DAG run finished in state failed"
      filter          = "resource.type = \"cloud_composer_workflow\" AND metric.type = \"composer.googleapis.com/workflow/run_count\" AND metric.labels.state = \"failed\""
      group_by_fields = ["resource.label.workflow_name"]
      subject         = "${local.title_prefix} DAG run failed: $${resource.label.workflow_name}"
      content         = "A DAG run of $${resource.label.workflow_name} failed. Runbook: ${var.runbook_url}#dag-run-failed"
      component       = "composer"
    }
    task_failed = {
      display_name    = "${local.title_prefix} Airflow task failed"
      severity        = "WARNING"
      condition       = "Composer task instance finished in state failed"
      filter          = "resource.type = \"cloud_composer_workflow\" AND metric.type = \"composer.googleapis.com/workflow/task/run_count\" AND metric.labels.state = \"failed\""
      group_by_fields = ["resource.label.workflow_name", "metric.label.task_name"]
      subject         = "${local.title_prefix} task failed: $${metric.label.task_name}"
      content         = "Task $${metric.label.task_name} of $${resource.label.workflow_name} failed (retries may still succeed). Runbook: ${var.runbook_url}#task-failed"
      component       = "composer"
    }
    extract_failed = {
      display_name    = "${local.title_prefix} Extract run exited non-zero"
      severity        = "ERROR"
      condition       = "Extractor run_finished with exit_code != 0"
      filter          = "metric.type = \"logging.googleapis.com/user/${google_logging_metric.run_finished["failures"].name}\""
      group_by_fields = ["metric.label.source", "metric.label.exit_code"]
      subject         = "${local.title_prefix} extract $${metric.label.source} exited $${metric.label.exit_code}"
      content         = "The extractor for $${metric.label.source} exited with code $${metric.label.exit_code}. Runbook: ${var.runbook_url}#extract-run-exited-non-zero"
      component       = "extract"
    }
  }
}

resource "google_monitoring_alert_policy" "count" {
  for_each = local.count_alerts

  project      = var.project_id
  display_name = each.value.display_name
  combiner     = "OR"
  severity     = each.value.severity

  conditions {
    display_name = each.value.condition

    condition_threshold {
      filter          = each.value.filter
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = each.value.group_by_fields
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = each.value.subject
    content   = each.value.content
  }

  notification_channels = local.notification_channels
  user_labels           = { environment = var.environment, component = each.value.component }
}

resource "google_monitoring_alert_policy" "composer_unhealthy" {
  project      = var.project_id
  display_name = "${local.title_prefix} Composer environment unhealthy"
  combiner     = "OR"
  severity     = "CRITICAL"

  conditions {
    display_name = "environment/healthy is false for 15 minutes"

    condition_threshold {
      filter          = "resource.type = \"cloud_composer_environment\" AND resource.labels.environment_name = \"${var.composer_environment_name}\" AND metric.type = \"composer.googleapis.com/environment/healthy\""
      comparison      = "COMPARISON_LT"
      threshold_value = 0.5
      duration        = "900s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_FRACTION_TRUE"
      }

      trigger {
        count = 1
      }
    }
  }

  conditions {
    display_name = "environment/healthy not reported for 30 minutes"

    condition_absent {
      filter   = "resource.type = \"cloud_composer_environment\" AND resource.labels.environment_name = \"${var.composer_environment_name}\" AND metric.type = \"composer.googleapis.com/environment/healthy\""
      duration = "1800s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_FRACTION_TRUE"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title_prefix} Composer environment ${var.composer_environment_name} unhealthy"
    content   = "Composer's own liveness DAG reports the environment unhealthy, or stopped reporting. Runbook: ${var.runbook_url}#composer-environment-unhealthy"
  }

  notification_channels = local.notification_channels
  user_labels           = { environment = var.environment, component = "composer" }
}

# Metric-absence conditions stop at 23.5 h, so the 26 h window is a PromQL absent_over_time per source.
resource "google_monitoring_alert_policy" "no_successful_run" {
  project      = var.project_id
  display_name = "${local.title_prefix} No successful extract run in ${var.no_success_window_hours} h"
  combiner     = "OR"
  severity     = "ERROR"

  conditions {
    display_name = "A source has no run_finished with status=success in ${var.no_success_window_hours} h"

    condition_prometheus_query_language {
      query               = local.no_success_query
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title_prefix} no successful extract in ${var.no_success_window_hours} h"
    content   = "At least one source (see the source label) has not loaded successfully for ${var.no_success_window_hours} hours: the data in marts is stale. Runbook: ${var.runbook_url}#no-successful-run-in-26-h"
  }

  notification_channels = local.notification_channels
  user_labels           = { environment = var.environment, component = "extract" }
}
