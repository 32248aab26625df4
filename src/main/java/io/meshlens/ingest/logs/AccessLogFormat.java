package io.meshlens.ingest.logs;

/** Which access log format a record was read from. */
public enum AccessLogFormat {
  /** Istio's default TEXT format (Istio 1.9+, and the shorter 1.3-1.8 and Mixer-era variants). */
  ISTIO_TEXT("istio_text"),
  /** Istio's JSON encoding: typed (numbers, {@code null}) or the older all-strings style. */
  ISTIO_JSON("istio_json"),
  /** Envoy's own default format, without Istio's upstream and downstream fields. */
  ENVOY_TEXT("envoy_text"),
  /** Istio ambient ztunnel's L4 {@code access} log line (key=value). */
  ZTUNNEL("ztunnel");

  private final String label;

  AccessLogFormat(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
