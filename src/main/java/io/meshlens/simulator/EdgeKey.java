package io.meshlens.simulator;

/**
 * One edge of the traffic graph as the ground truth counts it: who called whom, where, with what
 * result and transport security.
 *
 * <p>Tenants are resolved the way Meshlens should resolve them: {@code platform} for the platform
 * namespaces, {@code unassigned} for namespaces no tenant owns. Services are canonical service
 * names (the app label; for gateways the gateway name).
 *
 * @param destinationCluster cluster of the destination pod that handled the request, or {@code
 *     unknown} when the request never reached a destination (no healthy upstream)
 * @param responseCode HTTP status the client saw (200 for gRPC, whose status travels separately); 0
 *     for TCP connections
 * @param securityPolicy {@code mutual_tls} or {@code none}: the transport the destination sidecar
 *     accepted (the source reporter itself always says {@code unknown})
 */
public record EdgeKey(
    String sourceTenant,
    String sourceNamespace,
    String sourceService,
    String sourceCluster,
    String destinationTenant,
    String destinationNamespace,
    String destinationService,
    String destinationCluster,
    int responseCode,
    String securityPolicy) {

  /** Whether either side belongs to the tenant. */
  public boolean involvesTenant(String tenant) {
    return sourceTenant.equals(tenant) || destinationTenant.equals(tenant);
  }

  /** Whether the two sides are owned by different tenants. */
  public boolean crossTenant() {
    return !sourceTenant.equals(destinationTenant);
  }

  /** Whether the call left its cluster (false when it never reached a destination). */
  public boolean crossCluster() {
    return !"unknown".equals(destinationCluster) && !sourceCluster.equals(destinationCluster);
  }
}
