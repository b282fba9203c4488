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
}

resource "google_logging_metric" "runs" {
  project     = var.project_id
  name        = local.metric_names.runs
  description = "Extractor runs that finished, by source, status and exit code."
  filter      = local.run_finished_filter

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "ELT extract runs finished"

    labels {
      key         = "source"
      value_type  = "STRING"
      description = "Extract source (mysql, mongodb, hubspot, salesforce)."
    }
    labels {
      key         = "status"
      value_type  = "STRING"
      description = "success or failed."
    }
    labels {
      key         = "exit_code"
      value_type  = "STRING"
      description = "Process exit code: 0, 1, 2, 3 or 75."
    }
  }

  label_extractors = {
    source    = "EXTRACT(jsonPayload.source)"
    status    = "EXTRACT(jsonPayload.status)"
    exit_code = "EXTRACT(jsonPayload.exit_code)"
  }
}

resource "google_logging_metric" "failures" {
  project     = var.project_id
  name        = local.metric_names.failures
  description = "Extractor runs that finished with a non-zero exit code, by source and exit code."
  filter      = local.run_failed_filter

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "ELT extract runs failed (exit code != 0)"

    labels {
      key         = "source"
      value_type  = "STRING"
      description = "Extract source."
    }
    labels {
      key         = "exit_code"
      value_type  = "STRING"
      description = "1 failure, 2 usage/config, 3 data mismatch, 75 transient."
    }
  }

  label_extractors = {
    source    = "EXTRACT(jsonPayload.source)"
    exit_code = "EXTRACT(jsonPayload.exit_code)"
  }
}

resource "google_logging_metric" "rows" {
  project         = var.project_id
  name            = local.metric_names.rows
  description     = "Rows loaded per extractor run (a distribution: its sum is the rows loaded), by source and status."
  filter          = local.run_finished_filter
  value_extractor = "EXTRACT(jsonPayload.rows)"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = "1"
    display_name = "ELT extract rows loaded per run"

    labels {
      key         = "source"
      value_type  = "STRING"
      description = "Extract source."
    }
    labels {
      key         = "status"
      value_type  = "STRING"
      description = "success or failed."
    }
  }

  label_extractors = {
    source = "EXTRACT(jsonPayload.source)"
    status = "EXTRACT(jsonPayload.status)"
  }

  # 1, 2, 4, ... 2^31 rows.
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 32
      growth_factor      = 2
      scale              = 1
    }
  }
}

resource "google_logging_metric" "duration" {
  project         = var.project_id
  name            = local.metric_names.duration
  description     = "Wall-clock duration of each extractor run in seconds, by source and status."
  filter          = local.run_finished_filter
  value_extractor = "EXTRACT(jsonPayload.duration_s)"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = "s"
    display_name = "ELT extract run duration"

    labels {
      key         = "source"
      value_type  = "STRING"
      description = "Extract source."
    }
    labels {
      key         = "status"
      value_type  = "STRING"
      description = "success or failed."
    }
  }

  label_extractors = {
    source = "EXTRACT(jsonPayload.source)"
    status = "EXTRACT(jsonPayload.status)"
  }

  # 1 s, 1.5 s, 2.25 s, ... up to about 5 days.
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 32
      growth_factor      = 1.5
      scale              = 1
    }
  }
}
