# Log-based metrics on the extractor's final JSON log line (event=run_finished): runs, failures, rows and durations.
locals {
  run_finished_filter = join(" AND ", compact([
    "jsonPayload.event=\"run_finished\"",
    var.run_log_filter_extra == "" ? "" : "(${var.run_log_filter_extra})",
  ]))
  run_failed_filter = "${local.run_finished_filter} AND jsonPayload.exit_code!=0"

  metric_names = {
    runs     = "${var.metric_prefix}_runs"
    failures = "${var.metric_prefix}_failures"
    rows     = "${var.metric_prefix}_rows"
    duration = "${var.metric_prefix}_duration"
  }

  # Label descriptions shared by the metrics below.
  metric_labels = {
    source    = "Extract source."
    status    = "success or failed."
    exit_code = "1 failure, 2 usage/config, 3 data mismatch, 75 transient."
  }

  # The four metrics differ only in data: a counter has no value_extractor and no buckets; a distribution has both.
  log_metrics = {
    runs = {
      description     = "Extractor runs that finished, by source, status and exit code."
      filter          = local.run_finished_filter
      value_extractor = null
      value_type      = "INT64"
      unit            = "1"
      display_name    = "ELT extract runs finished"
      labels = {
        source    = "Extract source (mysql, mongodb, hubspot, salesforce)."
        status    = local.metric_labels.status
        exit_code = "Process exit code: 0, 1, 2, 3 or 75."
      }
      buckets = null
    }
    failures = {
      description     = "Extractor runs that finished with a non-zero exit code, by source and exit code."
      filter          = local.run_failed_filter
      value_extractor = null
      value_type      = "INT64"
      unit            = "1"
      display_name    = "ELT extract runs failed (exit code != 0)"
      labels = {
        source    = local.metric_labels.source
        exit_code = local.metric_labels.exit_code
      }
      buckets = null
    }
    rows = {
      description     = "Rows loaded per extractor run (a distribution: its sum is the rows loaded), by source and status."
      filter          = local.run_finished_filter
      value_extractor = "EXTRACT(jsonPayload.rows)"
      value_type      = "DISTRIBUTION"
      unit            = "1"
      display_name    = "ELT extract rows loaded per run"
      labels = {
        source = local.metric_labels.source
        status = local.metric_labels.status
      }
      # 1, 2, 4, ... 2^31 rows.
      buckets = { num_finite_buckets = 32, growth_factor = 2, scale = 1 }
    }
    duration = {
      description     = "Wall-clock duration of each extractor run in seconds, by source and status."
      filter          = local.run_finished_filter
      value_extractor = "EXTRACT(jsonPayload.duration_s)"
      value_type      = "DISTRIBUTION"
      unit            = "s"
      display_name    = "ELT extract run duration"
      labels = {
        source = local.metric_labels.source
        status = local.metric_labels.status
      }
      # 1 s, 1.5 s, 2.25 s, ... up to about 5 days.
      buckets = { num_finite_buckets = 32, growth_factor = 1.5, scale = 1 }
    }
  }
}

resource "google_logging_metric" "run_finished" {
  for_each = local.log_metrics

  project         = var.project_id
  name            = local.metric_names[each.key]
  description     = each.value.description
  filter          = each.value.filter
  value_extractor = each.value.value_extractor

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = each.value.value_type
    unit         = each.value.unit
    display_name = each.value.display_name

    dynamic "labels" {
      for_each = each.value.labels
      content {
        key         = labels.key
        value_type  = "STRING"
        description = labels.value
      }
    }
  }

  # Every label is read from the field of the same name in the run_finished line.
  label_extractors = { for k in keys(each.value.labels) : k => "EXTRACT(jsonPayload.${k})" }

  dynamic "bucket_options" {
    for_each = each.value.buckets == null ? [] : [each.value.buckets]
    content {
      exponential_buckets {
        num_finite_buckets = bucket_options.value.num_finite_buckets
        growth_factor      = bucket_options.value.growth_factor
        scale              = bucket_options.value.scale
      }
    }
  }
}
