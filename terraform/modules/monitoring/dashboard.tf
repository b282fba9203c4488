# The ELT dashboard: rows loaded, run durations and run outcomes per source (log-based metrics), DAG runs, last run reports.
locals {
  promql_rows     = "logging_googleapis_com:user_${google_logging_metric.run_finished["rows"].name}"
  promql_duration = "logging_googleapis_com:user_${google_logging_metric.run_finished["duration"].name}"

  dashboard_tiles = [
    {
      title = "Rows loaded per source (per hour)"
      query = "sum by (source) (increase(${local.promql_rows}_sum[1h]))"
      plot  = "STACKED_BAR"
    },
    {
      title = "Mean run duration per source (seconds)"
      query = "sum by (source) (increase(${local.promql_duration}_sum[1h])) / sum by (source) (increase(${local.promql_duration}_count[1h]))"
      plot  = "LINE"
    },
    {
      title = "Extract runs by source and status (per hour)"
      query = "sum by (source, status) (increase(${local.promql_runs}[1h]))"
      plot  = "STACKED_BAR"
    },
    {
      title = "Extract failures by source and exit code (per hour)"
      query = "sum by (source, exit_code) (increase(logging_googleapis_com:user_${google_logging_metric.run_finished["failures"].name}[1h]))"
      plot  = "STACKED_BAR"
    },
  ]

  promql_widgets = [
    for i, t in local.dashboard_tiles : {
      xPos   = (i % 2) * 24
      yPos   = floor(i / 2) * 16
      width  = 24
      height = 16
      widget = {
        title = t.title
        xyChart = {
          dataSets = [{
            plotType        = t.plot
            targetAxis      = "Y1"
            timeSeriesQuery = { prometheusQuery = t.query }
          }]
        }
      }
    }
  ]

  composer_widgets = [
    {
      xPos   = 0
      yPos   = 32
      width  = 24
      height = 16
      widget = {
        title = "DAG runs by state"
        xyChart = {
          dataSets = [{
            plotType   = "STACKED_BAR"
            targetAxis = "Y1"
            timeSeriesQuery = {
              timeSeriesFilter = {
                filter = "resource.type=\"cloud_composer_workflow\" AND metric.type=\"composer.googleapis.com/workflow/run_count\""
                aggregation = {
                  alignmentPeriod    = "3600s"
                  perSeriesAligner   = "ALIGN_SUM"
                  crossSeriesReducer = "REDUCE_SUM"
                  groupByFields      = ["resource.label.workflow_name", "metric.label.state"]
                }
              }
            }
          }]
        }
      }
    },
    {
      xPos   = 24
      yPos   = 32
      width  = 24
      height = 16
      widget = {
        title = "Last run reports (event=run_finished)"
        logsPanel = {
          filter        = local.run_finished_filter
          resourceNames = ["projects/${var.project_id}"]
        }
      }
    },
  ]
}

resource "google_monitoring_dashboard" "elt" {
  project = var.project_id
  dashboard_json = jsonencode({
    displayName  = "ELT ${var.environment}: runs, rows, durations"
    mosaicLayout = { columns = 48, tiles = concat(local.promql_widgets, local.composer_widgets) }
  })
}
