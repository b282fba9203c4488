"""Offline checks of terraform/: HCL structure (python-hcl2), terraform fmt and checkov."""
