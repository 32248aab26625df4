package io.meshlens.query.promql;

/**
 * Prometheus' staleness marker: a NaN with a reserved bit pattern written when a series disappears.
 * An instant selector finds nothing at or after it (until a newer sample); range selectors skip it.
 * Compare bits, never values: every NaN is unequal to itself.
 */
public final class StaleMarker {

  /** The raw bits of the marker, {@code 0x7ff0000000000002}. */
  public static final long BITS = 0x7ff0000000000002L;

  /** The marker as a double (use {@link Double#doubleToRawLongBits} to recognise it). */
  public static final double VALUE = Double.longBitsToDouble(BITS);

  private StaleMarker() {}

  public static boolean isStale(double v) {
    return Double.doubleToRawLongBits(v) == BITS;
  }
}
