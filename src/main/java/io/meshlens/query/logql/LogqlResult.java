package io.meshlens.query.logql;

import java.util.List;
import java.util.Map;

/** What a LogQL query answers: log streams, a matrix (range query) or a vector (instant query). */
public sealed interface LogqlResult {

  /** Log entries grouped by their labels. */
  record Streams(List<Stream> streams) implements LogqlResult {
    public Streams {
      streams = List.copyOf(streams);
    }

    /** Number of entries over all streams. */
    public int entries() {
      return streams.stream().mapToInt(s -> s.entries().size()).sum();
    }
  }

  /** One stream: its labels (sorted) and entries in the query's direction. */
  record Stream(Map<String, String> labels, List<Entry> entries) {
    public Stream {
      labels = Map.copyOf(labels);
      entries = List.copyOf(entries);
    }
  }

  /** One log line and its time in nanoseconds since the epoch. */
  record Entry(long timestampNs, String line) {}

  /** Series over the steps of a range query. */
  record Matrix(List<Series> series) implements LogqlResult {
    public Matrix {
      series = List.copyOf(series);
    }
  }

  /** One series: labels and its points (times in milliseconds), without empty steps. */
  record Series(Map<String, String> labels, long[] timestampsMs, double[] values) {}

  /** Samples at the time of an instant query. */
  record Vector(List<Sample> samples) implements LogqlResult {
    public Vector {
      samples = List.copyOf(samples);
    }
  }

  /** One sample. */
  record Sample(Map<String, String> labels, long timestampMs, double value) {}
}
