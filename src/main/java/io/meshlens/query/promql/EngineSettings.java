package io.meshlens.query.promql;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits and defaults of a {@link PromqlEngine}, named and defaulted like Prometheus' flags.
 *
 * @param lookbackDelta how far back an instant selector looks for the latest sample ({@code
 *     --query.lookback-delta}, default 5m)
 * @param maxSamples the most samples one query may hold in memory at once ({@code
 *     --query.max-samples}, default 50,000,000)
 * @param timeout the longest a query may run ({@code --query.timeout}, default 2m)
 * @param maxPointsPerSeries the most steps a range query may have per series (Prometheus' fixed
 *     11,000)
 * @param defaultSubqueryStep the step of a subquery written without one ({@code [30m:]});
 *     Prometheus uses the global evaluation interval, default 1m
 */
public record EngineSettings(
    Duration lookbackDelta,
    long maxSamples,
    Duration timeout,
    long maxPointsPerSeries,
    Duration defaultSubqueryStep) {

  public EngineSettings {
    Objects.requireNonNull(lookbackDelta, "lookbackDelta");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(defaultSubqueryStep, "defaultSubqueryStep");
    if (lookbackDelta.toMillis() <= 0) {
      throw new IllegalArgumentException("lookbackDelta must be positive");
    }
    if (maxSamples <= 0) {
      throw new IllegalArgumentException("maxSamples must be positive");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (maxPointsPerSeries <= 0) {
      throw new IllegalArgumentException("maxPointsPerSeries must be positive");
    }
    if (defaultSubqueryStep.toMillis() <= 0) {
      throw new IllegalArgumentException("defaultSubqueryStep must be positive");
    }
  }

  /** Settings with the default subquery step of 1m. */
  public EngineSettings(
      Duration lookbackDelta, long maxSamples, Duration timeout, long maxPointsPerSeries) {
    this(lookbackDelta, maxSamples, timeout, maxPointsPerSeries, Duration.ofMinutes(1));
  }

  /** Prometheus' defaults: 5m lookback, 50,000,000 samples, 2m timeout, 11,000 points, 1m step. */
  public static EngineSettings defaults() {
    return new EngineSettings(
        Duration.ofMinutes(5), 50_000_000L, Duration.ofMinutes(2), 11_000L, Duration.ofMinutes(1));
  }

  public EngineSettings withLookbackDelta(Duration d) {
    return new EngineSettings(d, maxSamples, timeout, maxPointsPerSeries, defaultSubqueryStep);
  }

  public EngineSettings withMaxSamples(long n) {
    return new EngineSettings(lookbackDelta, n, timeout, maxPointsPerSeries, defaultSubqueryStep);
  }

  public EngineSettings withTimeout(Duration d) {
    return new EngineSettings(
        lookbackDelta, maxSamples, d, maxPointsPerSeries, defaultSubqueryStep);
  }

  public EngineSettings withDefaultSubqueryStep(Duration d) {
    return new EngineSettings(lookbackDelta, maxSamples, timeout, maxPointsPerSeries, d);
  }
}
