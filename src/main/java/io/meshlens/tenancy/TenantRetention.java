package io.meshlens.tenancy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tenant's own retention per signal, from its entry in the tenants file; an unset signal keeps
 * the deployment's ({@code meshlens.storage.*-retention}). It can only shorten that retention:
 * whole days are dropped at the deployment's retention, and a tenant with a shorter one has its own
 * rows deleted from the days in between.
 *
 * <pre>{@code
 * tenants:
 *   - name: search
 *     namespaces: [search]
 *     retention: {metrics: 7d, spans: 1d, logs: 12h}
 * }</pre>
 */
public record TenantRetention(Duration metrics, Duration spans, Duration logs) {

  public static final TenantRetention NONE = new TenantRetention(null, null, null);

  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h|d|w)");

  @JsonCreator
  static TenantRetention parse(
      @JsonProperty("metrics") String metrics,
      @JsonProperty("spans") String spans,
      @JsonProperty("logs") String logs) {
    return new TenantRetention(
        duration("metrics", metrics), duration("spans", spans), duration("logs", logs));
  }

  /** A duration such as {@code 15d}, {@code 36h}, {@code 90m} (one number, one unit). */
  static Duration duration(String what, String text) {
    if (text == null) {
      return null;
    }
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "retention " + what + " '" + text + "' is not a duration like 7d, 36h or 90m");
    }
    long n = Long.parseLong(m.group(1));
    Duration d =
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          default -> Duration.ofDays(7 * n);
        };
    if (d.isZero()) {
      throw new IllegalArgumentException("retention " + what + " must be longer than 0");
    }
    return d;
  }
}
