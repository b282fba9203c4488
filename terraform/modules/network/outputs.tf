# Outputs of the network module.
output "network_id" {
  description = "Id of the VPC (projects/P/global/networks/N)."
  value       = google_compute_network.this.id
}

output "network_self_link" {
  description = "Self link of the VPC."
  value       = google_compute_network.this.self_link
}

output "subnetwork_id" {
  description = "Id of the workloads subnetwork that Composer attaches to."
  value       = google_compute_subnetwork.workloads.id
}

output "nat_egress_ip" {
  description = "The fixed public IP that pods use to reach the internet."
  value       = google_compute_address.nat.address
}

output "private_services_connection" {
  description = "Id of the private services access connection, or null when it is off."
  value       = var.enable_private_service_access ? google_service_networking_connection.private_services[0].id : null
}
