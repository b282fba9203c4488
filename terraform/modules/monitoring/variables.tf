# Inputs of the monitoring module.
variable "project_id" {
  description = "Project that the metrics, policies and dashboard live in."
  type        = string
}

variable "environment" {
  description = "Environment name (dev, prod), shown in alert titles."
  type        = string
}

variable "alert_email" {
  description = "Email address that receives every alert (a team list, not a person)."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be an email address."
  }
}

variable "extra_notification_channels" {
  description = "Ids of notification channels managed elsewhere (PagerDuty, Slack) that also receive every alert."
  type        = list(string)
  default     = []
}

variable "composer_environment_name" {
  description = "Name of the Composer environment whose health is watched."
  type        = string
}

variable "sources" {
  description = "Extract sources expected to succeed at least once every no_success_window_hours."
  type        = list(string)

  validation {
    condition     = length(var.sources) > 0
    error_message = "At least one source must be watched."
  }
}

variable "no_success_window_hours" {
  description = "Alert when a source has had no successful run for this many hours (26 h = daily schedule plus slack)."
  type        = number
  default     = 26
}

variable "metric_prefix" {
  description = "Prefix of the log-based metric names."
  type        = string
  default     = "elt_extract"
}

variable "run_log_filter_extra" {
  description = <<-EOT
    Optional Logging-query clause ANDed to the run_finished filter, e.g. resource.labels.namespace_name="composer-user-workloads",
    to ignore run reports from anywhere else (a developer's laptop with Cloud Logging output).
  EOT
  type        = string
  default     = ""
}

variable "runbook_url" {
  description = "Where the on-call runbook lives; each alert links to its section."
  type        = string
  default     = "docs/runbook.md"
}
