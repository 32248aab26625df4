package io.meshlens.store;

import io.meshlens.model.Labels;
import java.util.Objects;

/**
 * One series' samples in a time range, timestamps ascending (milliseconds since the epoch). Arrays
 * are owned by this value and must not be modified by readers.
 */
public record SeriesData(Labels labels, long[] timestamps, double[] values) {

  public SeriesData {
    Objects.requireNonNull(labels, "labels");
    if (timestamps.length != values.length) {
      throw new IllegalArgumentException("timestamps and values differ in length");
    }
  }

  public int size() {
    return timestamps.length;
  }
}
