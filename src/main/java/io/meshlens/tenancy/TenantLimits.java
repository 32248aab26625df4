package io.meshlens.tenancy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Per-tenant ingest limits, from the tenants file: {@code limits:} at the top level gives the
 * defaults, {@code limits:} in a tenant entry overrides some of them. An unset limit is no limit.
 * Data over a limit is discarded and counted with a reason and the tenant, never queued.
 *
 * <pre>{@code
 * limits:                      # defaults for every tenant (platform and unassigned included)
 *   activeSeries: 500000
 *   samplesPerSecond: 100000
 * tenants:
 *   - name: payments
 *     namespaces: [payments]
 *     limits: {activeSeries: 50000, spansPerSecond: 2000, logBytesPerSecond: 1000000}
 * }</pre>
 *
 * @param activeSeries active series (a sample in the last 20 minutes) a tenant may own
 * @param samplesPerSecond metric samples per second, averaged over {@code burstSeconds}
 * @param spansPerSecond spans per second, averaged over {@code burstSeconds}
 * @param logBytesPerSecond access log line bytes per second, averaged over {@code burstSeconds}
 * @param burstSeconds how many seconds' worth a tenant may send at once (default 15, one scrape
 *     interval: Collectors send a whole interval in one burst)
 */
public record TenantLimits(
    Long activeSeries,
    Double samplesPerSecond,
    Double spansPerSecond,
    Double logBytesPerSecond,
    Double burstSeconds) {

  /** No limits at all. */
  public static final TenantLimits NONE = new TenantLimits(null, null, null, null, null);

  static final double DEFAULT_BURST_SECONDS = 15;

  @JsonCreator
  public TenantLimits(
      @JsonProperty("activeSeries") Long activeSeries,
      @JsonProperty("samplesPerSecond") Double samplesPerSecond,
      @JsonProperty("spansPerSecond") Double spansPerSecond,
      @JsonProperty("logBytesPerSecond") Double logBytesPerSecond,
      @JsonProperty("burstSeconds") Double burstSeconds) {
    this.activeSeries = nonNegative("activeSeries", activeSeries);
    this.samplesPerSecond = nonNegative("samplesPerSecond", samplesPerSecond);
    this.spansPerSecond = nonNegative("spansPerSecond", spansPerSecond);
    this.logBytesPerSecond = nonNegative("logBytesPerSecond", logBytesPerSecond);
    if (burstSeconds != null && !(burstSeconds > 0)) {
      throw new IllegalArgumentException(
          "limit burstSeconds must be positive, not " + burstSeconds);
    }
    this.burstSeconds = burstSeconds;
  }

  private static <N extends Number> N nonNegative(String name, N value) {
    if (value != null && (value.doubleValue() < 0 || Double.isNaN(value.doubleValue()))) {
      throw new IllegalArgumentException("limit " + name + " must not be negative, not " + value);
    }
    return value;
  }

  /** These limits where set, else {@code defaults}'. */
  public TenantLimits over(TenantLimits defaults) {
    return new TenantLimits(
        activeSeries != null ? activeSeries : defaults.activeSeries,
        samplesPerSecond != null ? samplesPerSecond : defaults.samplesPerSecond,
        spansPerSecond != null ? spansPerSecond : defaults.spansPerSecond,
        logBytesPerSecond != null ? logBytesPerSecond : defaults.logBytesPerSecond,
        burstSeconds != null ? burstSeconds : defaults.burstSeconds);
  }

  /** {@link #burstSeconds}, or its default. */
  public double burst() {
    return burstSeconds == null ? DEFAULT_BURST_SECONDS : burstSeconds;
  }
}
