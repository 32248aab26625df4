package io.meshlens.query.logql;

import io.meshlens.store.LabelMatcher;
import io.meshlens.store.logs.StreamSelection;
import java.util.List;
import java.util.Objects;

/**
 * A parsed LogQL query: a log query ({@link LogQuery}: stream selector and pipeline) or a metric
 * query ({@link RangeAggregation} over a log query, optionally inside {@link VectorAggregation}s).
 *
 * <pre>{@code
 * LogqlExpr e = LogqlParser.parse("sum by (namespace) (rate({cluster=\"east-1\"} |= \"503\" [5m]))");
 * }</pre>
 */
public sealed interface LogqlExpr {

  /** A stream selector and the pipeline stages after it, in order. */
  record LogQuery(List<LabelMatcher> matchers, List<Stage> stages) implements LogqlExpr {
    public LogQuery {
      matchers = List.copyOf(matchers);
      stages = List.copyOf(stages);
    }

    /** The line filters, which hold for the line whatever stage they follow. */
    public List<StreamSelection.LineFilter> lineFilters() {
      return stages.stream()
          .filter(s -> s instanceof Stage.Line)
          .map(s -> ((Stage.Line) s).filter())
          .toList();
    }

    /** Whether every stage is a line filter, so the store answers the query alone. */
    public boolean onlyLineFilters() {
      return stages.stream().allMatch(s -> s instanceof Stage.Line);
    }
  }

  /** A query whose result is numbers: a range or a vector aggregation. */
  sealed interface MetricExpr extends LogqlExpr {}

  /** {@code rate}, {@code count_over_time}, {@code bytes_rate}, {@code bytes_over_time}. */
  record RangeAggregation(RangeOp op, LogQuery logs, long rangeMs) implements MetricExpr {
    public RangeAggregation {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(logs, "logs");
    }
  }

  /** {@code sum}, {@code count}, {@code avg}, {@code min}, {@code max} with optional grouping. */
  record VectorAggregation(VectorOp op, Grouping grouping, MetricExpr inner) implements MetricExpr {
    public VectorAggregation {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(inner, "inner");
    }
  }

  /**
   * {@code by (labels)} ({@code without == false}) or {@code without (labels)}; {@code null} where
   * an aggregation has none (all series into one).
   */
  record Grouping(boolean without, List<String> labels) {
    public Grouping {
      labels = List.copyOf(labels);
    }
  }

  /** Range aggregation functions. */
  enum RangeOp {
    RATE("rate"),
    COUNT_OVER_TIME("count_over_time"),
    BYTES_RATE("bytes_rate"),
    BYTES_OVER_TIME("bytes_over_time");

    final String text;

    RangeOp(String text) {
      this.text = text;
    }
  }

  /** Vector aggregation operators. */
  enum VectorOp {
    SUM("sum"),
    COUNT("count"),
    AVG("avg"),
    MIN("min"),
    MAX("max");

    final String text;

    VectorOp(String text) {
      this.text = text;
    }
  }

  /** A pipeline stage. */
  sealed interface Stage {

    /** {@code |= "x"}, {@code != "x"}, {@code |~ "re"}, {@code !~ "re"}. */
    record Line(StreamSelection.LineFilter filter) implements Stage {}

    /** {@code | json} or {@code | logfmt}: adds the entry's fields as labels. */
    record Parser(ParserKind kind) implements Stage {}

    /** {@code | drop a, b}: removes labels. */
    /** {@code | line_format "..."}: the line becomes the template's rendering. */
    record Format(LineTemplate template) implements Stage {}

    record Drop(List<String> labels) implements Stage {
      public Drop {
        labels = List.copyOf(labels);
      }
    }

    /** {@code | response_code >= 500 and method="GET"}. */
    record Labels(LabelFilter filter) implements Stage {}
  }

  /** The two parsers. */
  enum ParserKind {
    JSON,
    LOGFMT
  }

  /** A label filter expression. */
  sealed interface LabelFilter {

    /** Both hold. */
    record And(LabelFilter left, LabelFilter right) implements LabelFilter {}

    /** Either holds. */
    record Or(LabelFilter left, LabelFilter right) implements LabelFilter {}

    /** {@code name="v"}, {@code name!="v"}, {@code name=~"re"}, {@code name!~"re"}. */
    record Text(LabelMatcher matcher) implements LabelFilter {}

    /** {@code name >= 500}: the label's value read as a number. */
    record Number(String name, Comparison op, double value) implements LabelFilter {}
  }

  /** Numeric comparisons. */
  enum Comparison {
    EQ("=="),
    NE("!="),
    GT(">"),
    GE(">="),
    LT("<"),
    LE("<=");

    final String text;

    Comparison(String text) {
      this.text = text;
    }

    boolean test(double a, double b) {
      return switch (this) {
        case EQ -> a == b;
        case NE -> a != b;
        case GT -> a > b;
        case GE -> a >= b;
        case LT -> a < b;
        case LE -> a <= b;
      };
    }
  }
}
