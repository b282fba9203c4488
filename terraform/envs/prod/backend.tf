# Remote state in GCS under this environment's own prefix; the bucket is passed at init (-backend-config=bucket=...).
terraform {
  backend "gcs" {
    prefix = "elt-platform/prod"
  }
}
