package io.meshlens.store.logs;

import io.meshlens.store.LabelMatcher;
import java.util.List;
import java.util.Objects;

/**
 * A LogQL-style selection of access log entries: a start time range, stream label matchers
 * (Prometheus semantics: regular expressions fully anchored, an absent label is the empty string)
 * and line filters. Every condition is evaluated in the store's SQL.
 *
 * @param startMs earliest request start (inclusive), epoch milliseconds
 * @param endMs latest request start (exclusive), epoch milliseconds
 * @param labels matchers on {@link AccessLogStore#STREAM_LABELS}; a matcher on any other name is
 *     evaluated against the empty string
 * @param lines line filters, all of which must hold
 */
public record StreamSelection(
    long startMs, long endMs, List<LabelMatcher> labels, List<LineFilter> lines) {

  public StreamSelection {
    labels = List.copyOf(labels);
    lines = List.copyOf(lines);
    if (endMs < startMs) {
      throw new IllegalArgumentException("end " + endMs + " is before start " + startMs);
    }
  }

  /** Every entry in {@code [startMs, endMs)}. */
  public static StreamSelection between(long startMs, long endMs) {
    return new StreamSelection(startMs, endMs, List.of(), List.of());
  }

  public StreamSelection withTime(long start, long end) {
    return new StreamSelection(start, end, labels, lines);
  }

  /**
   * A line filter: {@code |= "text"}, {@code != "text"}, {@code |~ "re"}, {@code !~ "re"}. Regular
   * expressions match anywhere in the line (RE2 syntax, as in Loki).
   */
  public record LineFilter(Op op, String value) {

    /** The four line filter operators. */
    public enum Op {
      CONTAINS("|="),
      NOT_CONTAINS("!="),
      REGEX("|~"),
      NOT_REGEX("!~");

      private final String symbol;

      Op(String symbol) {
        this.symbol = symbol;
      }

      public String symbol() {
        return symbol;
      }
    }

    public LineFilter {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(value, "value");
    }
  }
}
