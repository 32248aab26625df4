package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.query.promql.Expr.AggregateExpr;
import io.meshlens.query.promql.Expr.BinaryExpr;
import io.meshlens.query.promql.Expr.Call;
import io.meshlens.query.promql.Expr.Cardinality;
import io.meshlens.query.promql.Expr.MatrixSelector;
import io.meshlens.query.promql.Expr.NumberLiteral;
import io.meshlens.query.promql.Expr.ParenExpr;
import io.meshlens.query.promql.Expr.StringLiteral;
import io.meshlens.query.promql.Expr.SubqueryExpr;
import io.meshlens.query.promql.Expr.UnaryExpr;
import io.meshlens.query.promql.Expr.VectorSelector;
import io.meshlens.store.LabelMatcher;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PromqlParserTest {

  /** Fully parenthesised form, to pin precedence and associativity. */
  private static String tree(Expr e) {
    if (e instanceof BinaryExpr b) {
      return "(" + tree(b.lhs()) + " " + b.op().text() + " " + tree(b.rhs()) + ")";
    } else if (e instanceof UnaryExpr u) {
      return (u.negate() ? "-" : "+") + tree(u.expr());
    } else if (e instanceof ParenExpr p) {
      return tree(p.expr());
    }
    return e.toString();
  }

  @ParameterizedTest(name = "{0} parses as {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a + b * c | (a + (b * c))",
        "a * b + c | ((a * b) + c)",
        "a - b - c | ((a - b) - c)",
        "a ^ b ^ c | (a ^ (b ^ c))",
        "a / b atan2 c % d | (((a / b) atan2 c) % d)",
        "a or b and c | (a or (b and c))",
        "a and b unless c | ((a and b) unless c)",
        "a or b unless c == d + e | (a or (b unless (c == (d + e))))",
        "-a ^ b | -(a ^ b)",
        "-a * b | (-a * b)",
        "-a + b | (-a + b)",
        "a * -b ^ c | (a * -(b ^ c))",
        "- - a | --a",
        "1 - -1 | (1 - -1)",
        "a > bool b | (a > b)",
      })
  void respectsPrometheusPrecedence(String query, String expected) {
    assertThat(tree(PromqlParser.parse(query))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "1 | 1.0",
        "0x1F | 31.0",
        "0X1f | 31.0",
        "010 | 8.0",
        "08 | 8.0",
        "1e3 | 1000.0",
        "1.5e-3 | 0.0015",
        ".5 | 0.5",
        "5. | 5.0",
        "Inf | Infinity",
        "+Inf | Infinity",
        "-inf | -Infinity",
        "-2 | -2.0",
      })
  void parsesNumberLiterals(String query, double value) {
    assertThat(((NumberLiteral) PromqlParser.parse(query)).value()).isEqualTo(value);
  }

  @Test
  void parsesNaNInAnyCase() {
    assertThat(((NumberLiteral) PromqlParser.parse("NaN")).value()).isNaN();
    assertThat(((NumberLiteral) PromqlParser.parse("nan")).value()).isNaN();
  }

  @Test
  void foldsMinusIntoNumberButNotIntoPower() {
    // -2 ^ 2 is -(2 ^ 2), as in Prometheus, not (-2) ^ 2.
    Expr e = PromqlParser.parse("-2 ^ 2");
    assertThat(e).isInstanceOf(UnaryExpr.class);
    assertThat(((UnaryExpr) e).expr()).isInstanceOf(BinaryExpr.class);
  }

  @Test
  void unquotesStringLiterals() {
    assertThat(string("\"a\\nb\"")).isEqualTo("a\nb");
    assertThat(string("'it\\'s'")).isEqualTo("it's");
    assertThat(string("\"say \\\"hi\\\"\"")).isEqualTo("say \"hi\"");
    assertThat(string("`raw\\n`")).isEqualTo("raw\\n");
    assertThat(string("\"\\u00e9\"")).isEqualTo("\u00e9");
    assertThat(string("\"\\x41\\101\"")).isEqualTo("AA");
    assertThat(string("\"tab\\there\"")).isEqualTo("tab\there");
  }

  private static String string(String query) {
    return ((StringLiteral) PromqlParser.parse(query)).value();
  }

  @ParameterizedTest(name = "{0} is {1} ms")
  @CsvSource({
    "x[100ms], 100",
    "x[10s], 10000",
    "x[5m], 300000",
    "x[1h30m], 5400000",
    "x[1d], 86400000",
    "x[1w], 604800000",
    "x[1y], 31536000000",
    "x[1h30m15s100ms], 5415100",
  })
  void parsesDurations(String query, long ms) {
    assertThat(((MatrixSelector) PromqlParser.parse(query)).rangeMs()).isEqualTo(ms);
  }

  @Test
  void appendsMetricNameAsLastMatcher() {
    VectorSelector vs =
        (VectorSelector)
            PromqlParser.parse("job:http_requests:rate5m{a=\"b\", c!=\"d\", e=~\"f.*\", g!~\"h\"}");
    assertThat(vs.name()).isEqualTo("job:http_requests:rate5m");
    assertThat(vs.matchers())
        .containsExactly(
            LabelMatcher.of("a", LabelMatcher.Type.EQUAL, "b"),
            LabelMatcher.of("c", LabelMatcher.Type.NOT_EQUAL, "d"),
            LabelMatcher.of("e", LabelMatcher.Type.REGEX, "f.*"),
            LabelMatcher.of("g", LabelMatcher.Type.NOT_REGEX, "h"),
            LabelMatcher.of("__name__", LabelMatcher.Type.EQUAL, "job:http_requests:rate5m"));
  }

  @Test
  void acceptsSelectorWithOnlyNameMatcherAndKeywordsAsNames() {
    VectorSelector vs = (VectorSelector) PromqlParser.parse("{__name__=~\"x.+\"}");
    assertThat(vs.name()).isEmpty();
    assertThat(vs.matchers())
        .containsExactly(LabelMatcher.of("__name__", LabelMatcher.Type.REGEX, "x.+"));
    // Keywords name metrics where an operand is expected.
    assertThat(((VectorSelector) PromqlParser.parse("sum")).name()).isEqualTo("sum");
    assertThat(((VectorSelector) PromqlParser.parse("offset")).name()).isEqualTo("offset");
    assertThat(((VectorSelector) PromqlParser.parse("by{a=\"b\"}")).name()).isEqualTo("by");
  }

  @Test
  void parsesOffsetAndAtInEitherOrder() {
    VectorSelector a = (VectorSelector) PromqlParser.parse("x offset -5m @ 100.5");
    VectorSelector b = (VectorSelector) PromqlParser.parse("x @ 100.5 offset -5m");
    assertThat(a.offsetMs()).isEqualTo(-300_000).isEqualTo(b.offsetMs());
    assertThat(a.atMs()).isEqualTo(100_500L).isEqualTo(b.atMs());
    VectorSelector s = (VectorSelector) PromqlParser.parse("x @ start()");
    assertThat(s.atPreprocessor()).isEqualTo(Expr.AtPreprocessor.START);
    MatrixSelector m = (MatrixSelector) PromqlParser.parse("x[5m] @ end() offset 1m");
    assertThat(m.selector().atPreprocessor()).isEqualTo(Expr.AtPreprocessor.END);
    assertThat(m.selector().offsetMs()).isEqualTo(60_000);
  }

  @Test
  void parsesSubqueries() {
    SubqueryExpr sq = (SubqueryExpr) PromqlParser.parse("rate(x[5m])[30m:1m] offset 10m @ 50");
    assertThat(sq.expr()).isInstanceOf(Call.class);
    assertThat(sq.rangeMs()).isEqualTo(1_800_000);
    assertThat(sq.stepMs()).isEqualTo(60_000);
    assertThat(sq.offsetMs()).isEqualTo(600_000);
    assertThat(sq.atMs()).isEqualTo(50_000L);
    assertThat(((SubqueryExpr) PromqlParser.parse("x[30m:]")).stepMs()).isZero();
  }

  @Test
  void parsesAggregationModifiersBeforeOrAfterArguments() {
    AggregateExpr before = (AggregateExpr) PromqlParser.parse("topk by (job) (3, x)");
    AggregateExpr after = (AggregateExpr) PromqlParser.parse("topk(3, x) by (job)");
    assertThat(before.grouping()).containsExactly("job").isEqualTo(after.grouping());
    assertThat(before.param()).isInstanceOf(NumberLiteral.class);
    AggregateExpr cv = (AggregateExpr) PromqlParser.parse("count_values without (a,) (\"le\", x)");
    assertThat(cv.without()).isTrue();
    assertThat(cv.grouping()).containsExactly("a");
    assertThat(((StringLiteral) cv.param()).value()).isEqualTo("le");
  }

  @Test
  void parsesVectorMatching() {
    BinaryExpr b = (BinaryExpr) PromqlParser.parse("a * on(x, y) group_left(z) b");
    assertThat(b.matching().on()).isTrue();
    assertThat(b.matching().matchingLabels()).containsExactly("x", "y");
    assertThat(b.matching().card()).isEqualTo(Cardinality.MANY_TO_ONE);
    assertThat(b.matching().include()).containsExactly("z");
    BinaryExpr r = (BinaryExpr) PromqlParser.parse("a / ignoring(x) group_right b");
    assertThat(r.matching().on()).isFalse();
    assertThat(r.matching().card()).isEqualTo(Cardinality.ONE_TO_MANY);
    BinaryExpr set = (BinaryExpr) PromqlParser.parse("a and b");
    assertThat(set.matching().card()).isEqualTo(Cardinality.MANY_TO_MANY);
  }

  /** Prometheus' printer_test.go cases: the canonical text of a parsed query. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '~',
      value = {
        "sum by() (task:errors:rate10s{job=\"s\"}) | sum(task:errors:rate10s{job=\"s\"})",
        "sum by(code) (task:errors:rate10s{job=\"s\"})"
            + " | sum by (code) (task:errors:rate10s{job=\"s\"})",
        "sum without() (task:errors:rate10s{job=\"s\"})"
            + " | sum without () (task:errors:rate10s{job=\"s\"})",
        "topk(5, task:errors:rate10s{job=\"s\"}) | topk(5, task:errors:rate10s{job=\"s\"})",
        "count_values(\"value\", task:errors:rate10s{job=\"s\"})"
            + " | count_values(\"value\", task:errors:rate10s{job=\"s\"})",
        "a - on() c | a - on () c",
        "a - on(b) group_left(x, y) c | a - on (b) group_left (x, y) c",
        "a - on(b) group_left c | a - on (b) group_left () c",
        "a - ignoring() c | a - c",
        "up > bool 0 | up > bool 0",
        "a offset -7m | a offset -7m",
        "a{c=\"d\"}[5m] offset 1m | a{c=\"d\"}[5m] offset 1m",
        "a[1h:5m] offset 1m | a[1h:5m] offset 1m",
        "{__name__=\"a\"} | {__name__=\"a\"}",
        "a{b!~\"c\"}[1m] | a{b!~\"c\"}[1m]",
        "a @ 10 | a @ 10.000",
        "a[1m] @ 10 | a[1m] @ 10.000",
        "a @ start() | a @ start()",
        "a[1m] @ end() | a[1m] @ end()",
        "rate(a[90m]) | rate(a[1h30m])",
      })
  void printsLikePrometheus(String in, String out) {
    assertThat(PromqlParser.parse(in).toString()).isEqualTo(out);
  }

  @Test
  void printsNumbersInGoFormat() {
    assertThat(PromqlParser.parse("1e21 + 0.000001 + 100000 + 0.5").toString())
        .isEqualTo("1e+21 + 1e-06 + 100000 + 0.5");
    assertThat(PromqlParser.parse("1000000 * 123456.5").toString()).isEqualTo("1e+06 * 123456.5");
  }

  @Test
  void typesExpressions() {
    assertThat(PromqlParser.parse("1 + 1").type()).isEqualTo(ValueType.SCALAR);
    assertThat(PromqlParser.parse("x + 1").type()).isEqualTo(ValueType.VECTOR);
    assertThat(PromqlParser.parse("x[5m]").type()).isEqualTo(ValueType.MATRIX);
    assertThat(PromqlParser.parse("x[5m:]").type()).isEqualTo(ValueType.MATRIX);
    assertThat(PromqlParser.parse("(\"s\")").type()).isEqualTo(ValueType.STRING);
    assertThat(PromqlParser.parse("scalar(x)").type()).isEqualTo(ValueType.SCALAR);
  }

  /** Exact Prometheus 2.42 messages (more cases in prometheus-2.42-query-responses.json). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '~',
      value = {
        "1 + | 1:4: parse error: unexpected end of input",
        "sum(x) by job | 1:11: parse error: unexpected identifier \"job\" in grouping opts,"
            + " expected \"(\"",
        "{} | 1:1: parse error: vector selector must contain at least one non-empty matcher",
        "{a=~\".*\"} | 1:1: parse error: vector selector must contain at least one non-empty"
            + " matcher",
        "x{a=b} | 1:5: parse error: unexpected identifier \"b\" in label matching, expected string",
        "rate(x) | 1:6: parse error: expected type range vector in call to function \"rate\","
            + " got instant vector",
        "foo(x) | 1:1: parse error: unknown function with name \"foo\"",
        "1 == 1 | 1:3: parse error: comparisons between scalars must use BOOL modifier",
        "x[5m] offset 1m[1m] | 1:16: parse error: ranges only allowed for vector selectors",
        "sum(x) offset 5m | 1:1: parse error: offset modifier must be preceded by an instant"
            + " vector selector or range vector selector or a subquery",
        "x @ 1m | 1:5: parse error: unexpected duration \"1m\" in @, expected timestamp",
        "x[0s] | 1:3: parse error: duration must be greater than 0",
        "x[5m1m] | 1:3: parse error: not a valid duration string: \"5m1m\"",
        "(1)) | 1:5: parse error: unexpected right parenthesis ')'",
        "\"\\c\" | 1:1: parse error: unknown escape sequence U+0063 'c'",
        "a + on(b) group_left(b) c | 1:3: parse error: label \"b\" must not occur in ON and GROUP"
            + " clause at once",
        "x and 1 | 1:1: parse error: set operator \"and\" not allowed in binary scalar expression",
        "label_join(x, \"a\") | 1:1: parse error: expected at least 3 argument(s) in call to"
            + " \"label_join\", got 2",
        "topk(x) | 1:1: parse error: wrong number of arguments for aggregate expression"
            + " provided, expected 2, got 1",
      })
  void reportsErrorsAsPrometheus(String query, String message) {
    assertThatThrownBy(() -> PromqlParser.parse(query))
        .isInstanceOfSatisfying(
            PromqlException.class,
            e -> {
              assertThat(e.getMessage()).isEqualTo(message);
              assertThat(e.errorType()).isEqualTo(PromqlException.BAD_DATA);
            });
  }

  @Test
  void countsLinesAndColumns() {
    assertThatThrownBy(() -> PromqlParser.parse("x\n  +"))
        .hasMessage("2:4: parse error: unexpected end of input");
  }

  @Test
  void countsColumnsInUtf8Bytes() {
    // "é" is two bytes in UTF-8, so the error column is one more than the character index.
    assertThatThrownBy(() -> PromqlParser.parse("x{a=\"é\"} +"))
        .hasMessage("1:12: parse error: unexpected end of input");
  }

  @Test
  void checksFunctionArgumentCountsAndTypes() {
    assertThat(((Call) PromqlParser.parse("round(x)")).args()).hasSize(1);
    assertThat(((Call) PromqlParser.parse("round(x, 10)")).args()).hasSize(2);
    assertThat(
            ((Call) PromqlParser.parse("label_join(x, \"d\", \",\", \"a\", \"b\", \"c\")")).args())
        .hasSize(6);
    assertThat(((Call) PromqlParser.parse("hour()")).args()).isEmpty();
    assertThat(List.of("vector(x)", "scalar(1)", "histogram_quantile(x, y)"))
        .allSatisfy(
            q ->
                assertThatThrownBy(() -> PromqlParser.parse(q))
                    .isInstanceOf(PromqlException.class));
  }
}
