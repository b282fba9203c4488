# Dev-only source databases: a private-IP Cloud SQL MySQL 8 instance with backups, and a MongoDB Atlas cluster.
locals {
  atlas_shared_tier = contains(["M0", "M2", "M5"], var.atlas_instance_size)
}

resource "google_sql_database_instance" "mysql" {
  #checkov:skip=CKV_GCP_6:ssl_mode ENCRYPTED_ONLY already refuses unencrypted connections on this private-IP-only instance; checkov accepts only TRUSTED_CLIENT_CERTIFICATE_REQUIRED (bridgecrewio/checkov#6703), which would need client certificates the extractor does not have.
  count = var.enabled ? 1 : 0

  project             = var.project_id
  name                = "${var.name_prefix}-mysql"
  region              = var.region
  database_version    = "MYSQL_8_0"
  deletion_protection = var.deletion_protection

  settings {
    tier              = var.mysql_tier
    edition           = "ENTERPRISE"
    availability_type = "ZONAL"
    user_labels       = var.labels

    ip_configuration {
      ipv4_enabled    = false
      private_network = var.network_id
      ssl_mode        = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      binary_log_enabled             = true
      start_time                     = "03:00"
      transaction_log_retention_days = 7

      backup_retention_settings {
        retained_backups = 7
        retention_unit   = "COUNT"
      }
    }

    # The extractor reads with REPEATABLE READ consistent snapshots; no flag is needed for that.
    database_flags {
      name  = "local_infile"
      value = "off"
    }
    database_flags {
      name  = "skip_show_database"
      value = "on"
    }

    insights_config {
      query_insights_enabled = true
    }
  }
}

resource "google_sql_database" "app" {
  count = var.enabled ? 1 : 0

  project  = var.project_id
  name     = var.mysql_database
  instance = google_sql_database_instance.mysql[0].name
}

# Atlas project and cluster. Database users are created with the Atlas CLI or UI and their connection URL goes
# straight into Secret Manager (elt-mongodb-connection-url): a password in Terraform would land in the state.
resource "mongodbatlas_project" "this" {
  count = var.enabled ? 1 : 0

  name   = "${var.name_prefix}-sources"
  org_id = var.atlas_org_id
}

resource "mongodbatlas_advanced_cluster" "this" {
  count = var.enabled ? 1 : 0

  project_id     = mongodbatlas_project.this[0].id
  name           = "${var.name_prefix}-mongodb"
  cluster_type   = "REPLICASET"
  backup_enabled = !local.atlas_shared_tier

  replication_specs {
    region_configs {
      provider_name         = local.atlas_shared_tier ? "TENANT" : "GCP"
      backing_provider_name = local.atlas_shared_tier ? "GCP" : null
      region_name           = var.atlas_region
      priority              = 7

      electable_specs {
        instance_size = var.atlas_instance_size
        node_count    = local.atlas_shared_tier ? null : 3
      }
    }
  }
}

# The NAT IP is only known after the network is created, so it is a separate resource from the static CIDRs.
resource "mongodbatlas_project_ip_access_list" "nat" {
  count = var.enabled ? 1 : 0

  project_id = mongodbatlas_project.this[0].id
  ip_address = var.atlas_nat_egress_ip
  comment    = "ELT ${var.name_prefix} pods (Cloud NAT egress, managed by Terraform)"
}

resource "mongodbatlas_project_ip_access_list" "extra" {
  for_each = var.enabled ? toset(var.atlas_allowed_cidrs) : toset([])

  project_id = mongodbatlas_project.this[0].id
  cidr_block = each.value
  comment    = "ELT ${var.name_prefix} (managed by Terraform)"
}
