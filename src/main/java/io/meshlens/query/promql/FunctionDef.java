package io.meshlens.query.promql;

import static io.meshlens.query.promql.ValueType.MATRIX;
import static io.meshlens.query.promql.ValueType.SCALAR;
import static io.meshlens.query.promql.ValueType.STRING;
import static io.meshlens.query.promql.ValueType.VECTOR;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The signature of a PromQL function, used by the parser to check calls. The table is Prometheus
 * 2.42's ({@code promql/parser/functions.go}).
 *
 * @param variadic 0 when the call takes exactly {@code argTypes.size()} arguments; n > 0 when it
 *     takes between {@code argTypes.size() - 1} and {@code argTypes.size() - 1 + n}, all extra ones
 *     of the last type; -1 when the last type may repeat without limit
 */
public record FunctionDef(
    String name, List<ValueType> argTypes, int variadic, ValueType returnType) {

  public FunctionDef {
    Objects.requireNonNull(name, "name");
    argTypes = List.copyOf(argTypes);
    Objects.requireNonNull(returnType, "returnType");
  }

  private static final Map<String, FunctionDef> ALL = new TreeMap<>();

  static {
    for (String f :
        List.of(
            "abs",
            "acos",
            "acosh",
            "asin",
            "asinh",
            "atan",
            "atanh",
            "ceil",
            "cos",
            "cosh",
            "deg",
            "exp",
            "floor",
            "ln",
            "log10",
            "log2",
            "rad",
            "sgn",
            "sin",
            "sinh",
            "sort",
            "sort_desc",
            "sqrt",
            "tan",
            "tanh",
            "timestamp",
            "absent",
            "histogram_count",
            "histogram_sum")) {
      def(f, List.of(VECTOR), 0, VECTOR);
    }
    for (String f :
        List.of(
            "absent_over_time",
            "avg_over_time",
            "changes",
            "count_over_time",
            "delta",
            "deriv",
            "idelta",
            "increase",
            "irate",
            "last_over_time",
            "max_over_time",
            "min_over_time",
            "present_over_time",
            "rate",
            "resets",
            "stddev_over_time",
            "stdvar_over_time",
            "sum_over_time")) {
      def(f, List.of(MATRIX), 0, VECTOR);
    }
    for (String f :
        List.of(
            "days_in_month",
            "day_of_month",
            "day_of_week",
            "day_of_year",
            "hour",
            "minute",
            "month",
            "year")) {
      def(f, List.of(VECTOR), 1, VECTOR);
    }
    def("clamp", List.of(VECTOR, SCALAR, SCALAR), 0, VECTOR);
    def("clamp_max", List.of(VECTOR, SCALAR), 0, VECTOR);
    def("clamp_min", List.of(VECTOR, SCALAR), 0, VECTOR);
    def("histogram_fraction", List.of(SCALAR, SCALAR, VECTOR), 0, VECTOR);
    def("histogram_quantile", List.of(SCALAR, VECTOR), 0, VECTOR);
    def("holt_winters", List.of(MATRIX, SCALAR, SCALAR), 0, VECTOR);
    def("label_replace", List.of(VECTOR, STRING, STRING, STRING, STRING), 0, VECTOR);
    def("label_join", List.of(VECTOR, STRING, STRING, STRING), -1, VECTOR);
    def("pi", List.of(), 0, SCALAR);
    def("predict_linear", List.of(MATRIX, SCALAR), 0, VECTOR);
    def("quantile_over_time", List.of(SCALAR, MATRIX), 0, VECTOR);
    def("round", List.of(VECTOR, SCALAR), 1, VECTOR);
    def("scalar", List.of(VECTOR), 0, SCALAR);
    def("time", List.of(), 0, SCALAR);
    def("vector", List.of(SCALAR), 0, VECTOR);
  }

  private static void def(String name, List<ValueType> args, int variadic, ValueType ret) {
    ALL.put(name, new FunctionDef(name, args, variadic, ret));
  }

  /** The function called {@code name}, or {@code null} when PromQL has none. */
  public static FunctionDef lookup(String name) {
    return ALL.get(name);
  }

  /** Every supported function by name. */
  public static Map<String, FunctionDef> all() {
    return java.util.Collections.unmodifiableMap(ALL);
  }
}
