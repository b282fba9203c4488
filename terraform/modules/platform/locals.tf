# Derived names, labels, dataset definitions and IAM bindings shared by every layer of the platform.
locals {
  name_prefix = "elt-${var.environment}"

  labels = merge(var.labels, {
    app         = "elt-platform"
    environment = var.environment
    managed-by  = "terraform"
  })

  raw_sources = ["mysql", "mongodb", "hubspot", "salesforce"]
  raw_keys    = [for s in local.raw_sources : "raw_${s}"]

  datasets = merge(
    {
      for s in local.raw_sources : "raw_${s}" => {
        dataset_id                    = var.dataset_names["raw_${s}"]
        layer                         = "raw"
        description                   = "Raw ${s} tables loaded by the extractor (dlt); one half-open UTC window per run."
        default_table_expiration_days = var.default_table_expiration_days
      }
    },
    {
      for s in local.raw_sources : "raw_${s}_staging" => {
        dataset_id                    = "${var.dataset_names["raw_${s}"]}_staging"
        layer                         = "raw_staging"
        description                   = "Scratch tables of the ${s} window loads (dlt staging dataset); tables expire quickly."
        default_table_expiration_days = var.raw_staging_table_expiration_days
      }
    },
    {
      staging = {
        dataset_id                    = var.dataset_names.staging
        layer                         = "staging"
        description                   = "dbt staging models (stg_<source>__<entity>)."
        default_table_expiration_days = var.default_table_expiration_days
      }
      marts = {
        dataset_id                    = var.dataset_names.marts
        layer                         = "marts"
        description                   = "dbt marts read by Power BI."
        default_table_expiration_days = var.default_table_expiration_days
      }
    },
    {
      for k, c in var.migration_copies : "legacy_${k}" => {
        dataset_id                    = c.destination_dataset_id
        layer                         = "legacy"
        description                   = "Copy of the legacy PoC dataset ${c.source_project_id}:${c.source_dataset_id} (BigQuery Data Transfer Service)."
        default_table_expiration_days = null
      } if var.enable_migration
    },
  )

  principals = module.service_accounts.workload_principals

  # Extract writes raw and raw staging; dbt reads raw and writes staging and marts; Power BI reads marts.
  dataset_access = concat(
    [
      for pair in setproduct(concat(local.raw_keys, [for k in local.raw_keys : "${k}_staging"]), keys(local.principals.extract)) : {
        dataset = pair[0], role = "roles/bigquery.dataEditor", principal = "extract.${pair[1]}", member = local.principals.extract[pair[1]]
      }
    ],
    [
      for pair in setproduct(local.raw_keys, keys(local.principals.dbt)) : {
        dataset = pair[0], role = "roles/bigquery.dataViewer", principal = "dbt.${pair[1]}", member = local.principals.dbt[pair[1]]
      }
    ],
    [
      for pair in setproduct(["staging", "marts"], keys(local.principals.dbt)) : {
        dataset = pair[0], role = "roles/bigquery.dataEditor", principal = "dbt.${pair[1]}", member = local.principals.dbt[pair[1]]
      }
    ],
    [
      for reader in var.powerbi_readers : {
        dataset = "marts", role = "roles/bigquery.dataViewer", principal = "powerbi.${reader}", member = reader
      }
    ],
  )

  job_users = merge(
    { for label, member in local.principals.extract : "extract.${label}" => member },
    { for label, member in local.principals.dbt : "dbt.${label}" => member },
    { for reader in var.powerbi_readers : "powerbi.${reader}" => reader },
  )

  # Secret ids are fixed: the images and the DAG refer to them by name.
  secrets = {
    "elt-mysql-credentials" = {
      description = "MySQL credentials of the extractor (JSON: host, port, user, password, database)."
      accessors   = local.principals.extract
    }
    "elt-mongodb-connection-url" = {
      description = "MongoDB connection URL of the extractor (mongodb+srv://user:password@host/...)."
      accessors   = local.principals.extract
    }
    "elt-hubspot-access-token" = {
      description = "HubSpot private-app access token of the extractor."
      accessors   = local.principals.extract
    }
    "elt-salesforce-credentials" = {
      description = "Salesforce credentials of the extractor (JSON: username/password/security token or JWT consumer key and private key)."
      accessors   = local.principals.extract
    }
    "elt-powerbi-client-secret" = {
      description = "Client secret of the Power BI service principal used by the refresh pod."
      accessors   = local.principals.powerbi
    }
  }

  # Exposed to Airflow as AIRFLOW_VAR_<NAME>; the DAG renders them with {{ var.value.<name> }}.
  airflow_variables = {
    elt_image_registry          = module.artifact_registry.registry
    elt_image_tag               = var.image_tag
    elt_gcp_project             = var.project_id
    elt_bq_location             = var.bq_location
    elt_staging_bucket          = module.storage.bucket_name
    elt_alert_email             = var.alert_email
    elt_environment             = var.environment
    elt_extract_service_account = module.service_accounts.workload_emails.extract
    elt_dbt_service_account     = module.service_accounts.workload_emails.dbt
    elt_powerbi_service_account = module.service_accounts.workload_emails.powerbi
  }
}
