package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The value of a PromQL query, one case per Prometheus result type ({@code scalar}, {@code string},
 * {@code vector}, {@code matrix}), so the HTTP layer can switch on it exhaustively.
 *
 * <p>Range queries always yield a {@link Matrix}; instant queries yield whatever type the
 * expression has. Timestamps are milliseconds since the epoch.
 *
 * <pre>{@code
 * switch (engine.instantQuery(reader, scope, "up", now)) {
 *   case QueryResult.Vector v -> ...;
 *   case QueryResult.Scalar s -> ...;
 *   case QueryResult.Matrix m -> ...;
 *   case QueryResult.StringResult s -> ...;
 * }
 * }</pre>
 */
public sealed interface QueryResult
    permits QueryResult.Scalar, QueryResult.StringResult, QueryResult.Vector, QueryResult.Matrix {

  /** Non-fatal problems met while answering (Prometheus' {@code warnings}); usually empty. */
  List<String> warnings();

  /** The API's {@code resultType}. */
  ValueType type();

  /** A single number at a time. */
  record Scalar(long timestampMs, double value, List<String> warnings) implements QueryResult {
    public Scalar {
      warnings = List.copyOf(warnings);
    }

    @Override
    public ValueType type() {
      return ValueType.SCALAR;
    }
  }

  /** A string literal's value at a time. */
  record StringResult(long timestampMs, String value, List<String> warnings)
      implements QueryResult {
    public StringResult {
      Objects.requireNonNull(value, "value");
      warnings = List.copyOf(warnings);
    }

    @Override
    public ValueType type() {
      return ValueType.STRING;
    }
  }

  /**
   * An instant vector. Samples are ordered by labels, except when the query's outermost operation
   * decides the order ({@code sort}, {@code sort_desc}, {@code topk}, {@code bottomk}).
   */
  record Vector(List<Sample> samples, List<String> warnings) implements QueryResult {
    public Vector {
      samples = List.copyOf(samples);
      warnings = List.copyOf(warnings);
    }

    @Override
    public ValueType type() {
      return ValueType.VECTOR;
    }
  }

  /** A range vector: series ordered by labels, each with ascending timestamps. */
  record Matrix(List<Series> series, List<String> warnings) implements QueryResult {
    public Matrix {
      series = List.copyOf(series);
      warnings = List.copyOf(warnings);
    }

    @Override
    public ValueType type() {
      return ValueType.MATRIX;
    }
  }

  /** One element of a {@link Vector}. */
  record Sample(Labels labels, long timestampMs, double value) {
    public Sample {
      Objects.requireNonNull(labels, "labels");
    }
  }

  /**
   * One element of a {@link Matrix}: {@code timestamps[i]} and {@code values[i]} form a point. The
   * arrays are owned by this value and must not be modified.
   */
  record Series(Labels labels, long[] timestamps, double[] values) {
    public Series {
      Objects.requireNonNull(labels, "labels");
      if (timestamps.length != values.length) {
        throw new IllegalArgumentException("timestamps and values differ in length");
      }
    }

    public int size() {
      return timestamps.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Series s
          && labels.equals(s.labels)
          && Arrays.equals(timestamps, s.timestamps)
          && Arrays.equals(values, s.values);
    }

    @Override
    public int hashCode() {
      return Objects.hash(labels, Arrays.hashCode(timestamps), Arrays.hashCode(values));
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(labels.toString()).append(" [");
      for (int i = 0; i < timestamps.length; i++) {
        if (i > 0) {
          sb.append(", ");
        }
        sb.append(values[i]).append(" @").append(timestamps[i]);
      }
      return sb.append(']').toString();
    }
  }
}
