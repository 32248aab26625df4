package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import io.meshlens.store.LabelMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A parsed PromQL expression: an immutable syntax tree produced by {@link PromqlParser}.
 *
 * <p>Each node knows its {@link ValueType} and its position in the query text (for error messages),
 * and prints back as Prometheus' own printer does ({@code toString()}), e.g. {@code sum by (job)
 * (rate(http_requests_total[5m]))}.
 */
public sealed interface Expr
    permits Expr.NumberLiteral,
        Expr.StringLiteral,
        Expr.VectorSelector,
        Expr.MatrixSelector,
        Expr.SubqueryExpr,
        Expr.ParenExpr,
        Expr.UnaryExpr,
        Expr.BinaryExpr,
        Expr.AggregateExpr,
        Expr.Call {

  /** The type of value the expression evaluates to. */
  ValueType type();

  /** Where the expression is in the query text (character offsets, end exclusive). */
  PositionRange position();

  /** A span of the query text. */
  record PositionRange(int start, int end) {}

  /** {@code @ start()} and {@code @ end()}: timestamps resolved when a query runs. */
  enum AtPreprocessor {
    NONE,
    START,
    END
  }

  /** Binary operators with their precedence (higher binds tighter). */
  enum BinaryOp {
    OR("or", 1),
    AND("and", 2),
    UNLESS("unless", 2),
    EQL("==", 3),
    NEQ("!=", 3),
    LTE("<=", 3),
    LSS("<", 3),
    GTE(">=", 3),
    GTR(">", 3),
    ADD("+", 4),
    SUB("-", 4),
    MUL("*", 5),
    DIV("/", 5),
    MOD("%", 5),
    ATAN2("atan2", 5),
    POW("^", 6);

    private final String text;
    private final int precedence;

    BinaryOp(String text, int precedence) {
      this.text = text;
      this.precedence = precedence;
    }

    public String text() {
      return text;
    }

    public int precedence() {
      return precedence;
    }

    public boolean isComparison() {
      return precedence == 3;
    }

    public boolean isSetOperator() {
      return this == OR || this == AND || this == UNLESS;
    }

    /** Whether the result loses the metric name ({@code atan2} and comparisons keep it). */
    public boolean dropsMetricName() {
      return this == ADD || this == SUB || this == MUL || this == DIV || this == POW || this == MOD;
    }

    public boolean rightAssociative() {
      return this == POW;
    }
  }

  /** Aggregation operators. */
  enum AggregateOp {
    SUM,
    AVG,
    COUNT,
    MIN,
    MAX,
    GROUP,
    STDDEV,
    STDVAR,
    TOPK,
    BOTTOMK,
    COUNT_VALUES,
    QUANTILE;

    public String text() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean hasParam() {
      return this == TOPK || this == BOTTOMK || this == COUNT_VALUES || this == QUANTILE;
    }
  }

  /** How the two sides of a binary operation between vectors are matched. */
  enum Cardinality {
    ONE_TO_ONE,
    MANY_TO_ONE,
    ONE_TO_MANY,
    MANY_TO_MANY
  }

  /**
   * The {@code on}/{@code ignoring} and {@code group_left}/{@code group_right} modifiers.
   *
   * @param matchingLabels the labels of {@code on(...)} or {@code ignoring(...)}
   * @param on true for {@code on}, false for {@code ignoring} (or no modifier)
   * @param include the extra labels of {@code group_left(...)}/{@code group_right(...)}
   */
  record VectorMatching(
      Cardinality card, List<String> matchingLabels, boolean on, List<String> include) {
    public VectorMatching {
      Objects.requireNonNull(card, "card");
      matchingLabels = List.copyOf(matchingLabels);
      include = List.copyOf(include);
    }
  }

  /** A number, e.g. {@code 1}, {@code 0x1f}, {@code 1e-3}, {@code Inf}. */
  record NumberLiteral(double value, PositionRange position) implements Expr {
    @Override
    public ValueType type() {
      return ValueType.SCALAR;
    }

    @Override
    public String toString() {
      return GoText.formatFloat(value);
    }
  }

  /** A string, e.g. {@code "le"}. */
  record StringLiteral(String value, PositionRange position) implements Expr {
    public StringLiteral {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public ValueType type() {
      return ValueType.STRING;
    }

    @Override
    public String toString() {
      return GoText.quote(value);
    }
  }

  /**
   * An instant vector selector, e.g. {@code http_requests_total{code=~"5.."} offset 5m @
   * 1700000000}.
   *
   * @param name the metric name written before the braces, or "" when there is none
   * @param matchers all matchers; a name written before the braces is the last ({@code
   *     __name__="name"}), as in Prometheus
   * @param offsetMs the {@code offset} (negative allowed), 0 when absent
   * @param atMs the {@code @} timestamp in ms, or {@code null} when absent or not yet resolved
   * @param atPreprocessor {@code @ start()}/{@code @ end()} before they are resolved
   */
  record VectorSelector(
      String name,
      List<LabelMatcher> matchers,
      long offsetMs,
      Long atMs,
      AtPreprocessor atPreprocessor,
      PositionRange position)
      implements Expr {
    public VectorSelector {
      Objects.requireNonNull(name, "name");
      matchers = List.copyOf(matchers);
      Objects.requireNonNull(atPreprocessor, "atPreprocessor");
    }

    @Override
    public ValueType type() {
      return ValueType.VECTOR;
    }

    VectorSelector withOffset(long offset, int end) {
      return new VectorSelector(
          name, matchers, offset, atMs, atPreprocessor, new PositionRange(position.start(), end));
    }

    VectorSelector withAt(Long at, AtPreprocessor pre, int end) {
      return new VectorSelector(
          name, matchers, offsetMs, at, pre, new PositionRange(position.start(), end));
    }

    @Override
    public String toString() {
      return selectorText() + atText(atMs, atPreprocessor) + offsetText(offsetMs);
    }

    /** The selector without {@code @} and {@code offset}. */
    String selectorText() {
      List<String> parts = new ArrayList<>();
      for (LabelMatcher m : matchers) {
        if (m.name().equals(Labels.METRIC_NAME)
            && m.type() == LabelMatcher.Type.EQUAL
            && m.value().equals(name)) {
          continue;
        }
        parts.add(m.name() + m.type().op() + GoText.quote(m.value()));
      }
      if (parts.isEmpty()) {
        return name;
      }
      parts.sort(null);
      return name + "{" + String.join(",", parts) + "}";
    }
  }

  /** A range vector selector, e.g. {@code http_requests_total[5m]}. */
  record MatrixSelector(VectorSelector selector, long rangeMs, PositionRange position)
      implements Expr {
    public MatrixSelector {
      Objects.requireNonNull(selector, "selector");
    }

    @Override
    public ValueType type() {
      return ValueType.MATRIX;
    }

    @Override
    public String toString() {
      return selector.selectorText()
          + "["
          + Durations.format(rangeMs)
          + "]"
          + atText(selector.atMs(), selector.atPreprocessor())
          + offsetText(selector.offsetMs());
    }
  }

  /**
   * A subquery, e.g. {@code rate(x[5m])[30m:1m]}.
   *
   * @param stepMs the resolution, 0 when omitted ({@code [30m:]}) to use the engine's default
   */
  record SubqueryExpr(
      Expr expr,
      long rangeMs,
      long stepMs,
      long offsetMs,
      Long atMs,
      AtPreprocessor atPreprocessor,
      PositionRange position)
      implements Expr {
    public SubqueryExpr {
      Objects.requireNonNull(expr, "expr");
      Objects.requireNonNull(atPreprocessor, "atPreprocessor");
    }

    @Override
    public ValueType type() {
      return ValueType.MATRIX;
    }

    SubqueryExpr withOffset(long offset, int end) {
      return new SubqueryExpr(
          expr,
          rangeMs,
          stepMs,
          offset,
          atMs,
          atPreprocessor,
          new PositionRange(position.start(), end));
    }

    SubqueryExpr withAt(Long at, AtPreprocessor pre, int end) {
      return new SubqueryExpr(
          expr, rangeMs, stepMs, offsetMs, at, pre, new PositionRange(position.start(), end));
    }

    @Override
    public String toString() {
      return expr
          + "["
          + Durations.format(rangeMs)
          + ":"
          + (stepMs == 0 ? "" : Durations.format(stepMs))
          + "]"
          + atText(atMs, atPreprocessor)
          + offsetText(offsetMs);
    }
  }

  /** Parentheses, kept so that positions and printing match the input. */
  record ParenExpr(Expr expr, PositionRange position) implements Expr {
    public ParenExpr {
      Objects.requireNonNull(expr, "expr");
    }

    @Override
    public ValueType type() {
      return expr.type();
    }

    @Override
    public String toString() {
      return "(" + expr + ")";
    }
  }

  /** Unary {@code -expr} or {@code +expr} (a negated number literal is folded into the literal). */
  record UnaryExpr(boolean negate, Expr expr, PositionRange position) implements Expr {
    public UnaryExpr {
      Objects.requireNonNull(expr, "expr");
    }

    @Override
    public ValueType type() {
      return expr.type();
    }

    @Override
    public String toString() {
      return (negate ? "-" : "+") + expr;
    }
  }

  /**
   * A binary operation.
   *
   * @param matching the vector matching as written; set operators get {@link
   *     Cardinality#MANY_TO_MANY}. Only used when both sides are vectors.
   */
  record BinaryExpr(BinaryOp op, Expr lhs, Expr rhs, VectorMatching matching, boolean returnBool)
      implements Expr {
    public BinaryExpr {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(lhs, "lhs");
      Objects.requireNonNull(rhs, "rhs");
      Objects.requireNonNull(matching, "matching");
    }

    @Override
    public ValueType type() {
      return lhs.type() == ValueType.SCALAR && rhs.type() == ValueType.SCALAR
          ? ValueType.SCALAR
          : ValueType.VECTOR;
    }

    @Override
    public PositionRange position() {
      return new PositionRange(lhs.position().start(), rhs.position().end());
    }

    /** Whether both operands are instant vectors (so the matching applies). */
    public boolean vectorToVector() {
      return lhs.type() == ValueType.VECTOR && rhs.type() == ValueType.VECTOR;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder().append(lhs).append(' ').append(op.text());
      if (returnBool) {
        sb.append(" bool");
      }
      if (vectorToVector() && (!matching.matchingLabels().isEmpty() || matching.on())) {
        sb.append(matching.on() ? " on (" : " ignoring (")
            .append(String.join(", ", matching.matchingLabels()))
            .append(')');
        if (matching.card() == Cardinality.MANY_TO_ONE
            || matching.card() == Cardinality.ONE_TO_MANY) {
          sb.append(matching.card() == Cardinality.MANY_TO_ONE ? " group_left (" : " group_right (")
              .append(String.join(", ", matching.include()))
              .append(')');
        }
      }
      return sb.append(' ').append(rhs).toString();
    }
  }

  /**
   * An aggregation, e.g. {@code topk by (job) (3, x)}.
   *
   * @param param the parameter of {@code topk}, {@code bottomk}, {@code quantile}, {@code
   *     count_values}; {@code null} for the others
   */
  record AggregateExpr(
      AggregateOp op,
      Expr expr,
      Expr param,
      List<String> grouping,
      boolean without,
      PositionRange position)
      implements Expr {
    public AggregateExpr {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(expr, "expr");
      grouping = List.copyOf(grouping);
    }

    @Override
    public ValueType type() {
      return ValueType.VECTOR;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(op.text());
      if (without) {
        sb.append(" without (").append(String.join(", ", grouping)).append(") ");
      } else if (!grouping.isEmpty()) {
        sb.append(" by (").append(String.join(", ", grouping)).append(") ");
      }
      sb.append('(');
      if (param != null) {
        sb.append(param).append(", ");
      }
      return sb.append(expr).append(')').toString();
    }
  }

  /** A function call, e.g. {@code rate(x[5m])}. */
  record Call(FunctionDef function, List<Expr> args, PositionRange position) implements Expr {
    public Call {
      Objects.requireNonNull(function, "function");
      args = List.copyOf(args);
    }

    @Override
    public ValueType type() {
      return function.returnType();
    }

    @Override
    public String toString() {
      List<String> parts = new ArrayList<>();
      for (Expr a : args) {
        parts.add(a.toString());
      }
      return function.name() + "(" + String.join(", ", parts) + ")";
    }
  }

  private static String offsetText(long offsetMs) {
    if (offsetMs > 0) {
      return " offset " + Durations.format(offsetMs);
    } else if (offsetMs < 0) {
      return " offset -" + Durations.format(-offsetMs);
    }
    return "";
  }

  private static String atText(Long atMs, AtPreprocessor pre) {
    if (atMs != null) {
      return String.format(java.util.Locale.ROOT, " @ %.3f", atMs / 1000.0);
    }
    return switch (pre) {
      case START -> " @ start()";
      case END -> " @ end()";
      case NONE -> "";
    };
  }
}
