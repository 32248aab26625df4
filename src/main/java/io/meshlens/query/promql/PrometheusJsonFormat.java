package io.meshlens.query.promql;

/**
 * The exact text Prometheus' HTTP API writes for query results, so responses are byte-for-byte
 * those of Prometheus 2.42 (Grafana and tests compare strings).
 *
 * <ul>
 *   <li>Vector and matrix points ({@code "value": [ts, "v"]}, {@code "values": [[ts, "v"], ...]}):
 *       {@link #pointTimestamp} and {@link #pointValue}.
 *   <li>Scalar and string results ({@code "result": [ts, "v"]}): {@link #scalarTimestamp} and
 *       {@link #scalarValue} (Prometheus marshals these through a different path, so their text
 *       differs for fractional times and very small or large values).
 * </ul>
 *
 * <pre>{@code
 * PrometheusJsonFormat.pointTimestamp(1700001800120L); // 1700001800.120 (a JSON number)
 * PrometheusJsonFormat.pointValue(4.77e-7);             // "4.77e-07"
 * PrometheusJsonFormat.scalarTimestamp(1700001800120L); // 1700001800.12
 * PrometheusJsonFormat.scalarValue(1e-7);               // "0.0000001"
 * }</pre>
 */
public final class PrometheusJsonFormat {

  private PrometheusJsonFormat() {}

  /**
   * A point's timestamp in seconds as a JSON number: integer seconds, then exactly three decimals
   * when there are milliseconds ({@code jsonutil.MarshalTimestamp}).
   */
  public static String pointTimestamp(long ms) {
    StringBuilder sb = new StringBuilder();
    long t = ms;
    if (t < 0) {
      sb.append('-');
      t = -t;
    }
    sb.append(t / 1000);
    long fraction = t % 1000;
    if (fraction != 0) {
      sb.append('.');
      if (fraction < 100) {
        sb.append('0');
      }
      if (fraction < 10) {
        sb.append('0');
      }
      sb.append(fraction);
    }
    return sb.toString();
  }

  /**
   * A point's value (the JSON string's content): shortest round-trip digits, exponent form below
   * 1e-6 and from 1e21 in magnitude, {@code NaN}, {@code +Inf}, {@code -Inf} ({@code
   * jsonutil.MarshalValue}).
   */
  public static String pointValue(double v) {
    double abs = Math.abs(v);
    if (abs != 0 && (abs < 1e-6 || abs >= 1e21) && !Double.isNaN(v) && !Double.isInfinite(v)) {
      return GoText.formatFloatExp(v);
    }
    return GoText.formatFloatPlain(v);
  }

  /**
   * A scalar's or string's timestamp: Go's {@code encoding/json} text of the seconds, shortest
   * digits (millisecond times never need its exponent form).
   */
  public static String scalarTimestamp(long ms) {
    return GoText.formatFloatPlain(ms / 1000.0);
  }

  /** A scalar's value (the JSON string's content): never an exponent. */
  public static String scalarValue(double v) {
    return GoText.formatFloatPlain(v);
  }
}
