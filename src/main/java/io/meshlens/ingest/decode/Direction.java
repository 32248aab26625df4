package io.meshlens.ingest.decode;

/**
 * Which way a request went through the proxy that reported it: {@code inbound} when the proxy sits
 * in front of the destination (its sidecar, or the waypoint serving it), {@code outbound} when it
 * sends on behalf of the caller (client sidecar, gateway). Istio encodes it in the upstream cluster
 * name, see {@link UpstreamCluster}.
 */
public enum Direction {
  INBOUND("inbound"),
  OUTBOUND("outbound"),
  UNKNOWN("unknown");

  private final String label;

  Direction(String label) {
    this.label = label;
  }

  /** {@code inbound}, {@code outbound} or {@code unknown}. */
  public String label() {
    return label;
  }

  /**
   * The direction named {@code text} ({@code inbound}/{@code outbound}, any case), else unknown.
   */
  public static Direction of(String text) {
    if ("inbound".equalsIgnoreCase(text)) {
      return INBOUND;
    }
    if ("outbound".equalsIgnoreCase(text)) {
      return OUTBOUND;
    }
    return UNKNOWN;
  }
}
