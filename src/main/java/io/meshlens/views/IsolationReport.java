package io.meshlens.views;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * The tenant isolation audit over a window: every finding (cross-tenant traffic, plaintext traffic,
 * requests denied by authorization policy) with where it was seen, how much, when, and an example
 * request id, plus a summary per tenant.
 *
 * <p>Sides of a finding whose tenant is outside the caller's scope are peers: they keep tenant,
 * cluster, namespace and service only, as in the traffic view.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IsolationReport(
    long start, long end, long step, List<Finding> findings, List<TenantSummary> tenants) {

  /** What a finding is about. */
  public enum Kind {
    /** Traffic between two tenants; a violation unless the tenants file allows the pair. */
    CROSS_TENANT("cross_tenant"),
    /** Requests or connections a destination sidecar accepted without mutual TLS. */
    PLAINTEXT("plaintext"),
    /** Requests an authorization policy denied at the destination (HTTP 403, gRPC 7). */
    AUTHZ_DENIED("authz_denied");

    private final String json;

    Kind(String json) {
      this.json = json;
    }

    @JsonValue
    public String json() {
      return json;
    }
  }

  /**
   * One finding on one edge (source service to destination service, over one protocol).
   *
   * @param violation whether it breaks isolation: cross-tenant traffic between tenants that do not
   *     list each other in {@code allowedPeers}; plaintext and denials always
   * @param allowedPeers for {@link Kind#CROSS_TENANT}: whether the tenants file allows the pair
   * @param securityPolicy for {@link Kind#PLAINTEXT}: the {@code connection_security_policy} seen
   * @param count requests (TCP: connections opened) in the window the finding covers
   * @param ratePerSecond {@code count} over the window
   * @param firstSeen end of the first step (ms) in which {@code count} grew, null when the growth
   *     fell between steps that cannot show it (window shorter than one step)
   * @param lastSeen end of the last such step
   * @param exampleRequestId the {@code x-request-id} of one such request from the access logs (the
   *     source proxy's outbound entry; for denials one whose destination entry carries Envoy's
   *     {@code rbac_access_denied} details); null when no access log holds one
   * @param rbacConfirmed for {@link Kind#AUTHZ_DENIED}: whether an access log entry of the
   *     destination shows the RBAC filter's details for such a request (an application's own 403
   *     has none)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Finding(
      Kind kind,
      boolean violation,
      TrafficReport.Endpoint source,
      TrafficReport.Endpoint destination,
      String protocol,
      Boolean allowedPeers,
      String securityPolicy,
      double count,
      double ratePerSecond,
      Long firstSeen,
      Long lastSeen,
      String exampleRequestId,
      Boolean rbacConfirmed) {}

  /**
   * Per tenant in scope, over the findings where it is source or destination.
   *
   * @param crossTenantViolations edges to or from tenants not allowed as peers
   * @param plaintextPerSecond plaintext requests and connections per second it sent or received
   * @param deniedPerSecond requests per second denied by authorization policy, sent or received
   */
  public record TenantSummary(
      String tenant,
      int crossTenantViolations,
      double crossTenantViolationsPerSecond,
      double plaintextPerSecond,
      double deniedPerSecond) {}
}
