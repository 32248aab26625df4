package io.meshlens.query.logql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.query.logql.LogqlExpr.Comparison;
import io.meshlens.query.logql.LogqlExpr.Grouping;
import io.meshlens.query.logql.LogqlExpr.LabelFilter;
import io.meshlens.query.logql.LogqlExpr.LogQuery;
import io.meshlens.query.logql.LogqlExpr.ParserKind;
import io.meshlens.query.logql.LogqlExpr.RangeAggregation;
import io.meshlens.query.logql.LogqlExpr.RangeOp;
import io.meshlens.query.logql.LogqlExpr.Stage;
import io.meshlens.query.logql.LogqlExpr.VectorAggregation;
import io.meshlens.query.logql.LogqlExpr.VectorOp;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.logs.StreamSelection.LineFilter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogqlParserTest {

  @Test
  void streamSelectorWithAllFourMatcherOperators() {
    LogQuery q =
        (LogQuery)
            LogqlParser.parse(
                "{namespace=\"shop\", cluster=~\"east-.*\", tenant!=\"x\", pod!~`canary-.*`}");
    assertThat(q.matchers())
        .containsExactly(
            LabelMatcher.of("namespace", LabelMatcher.Type.EQUAL, "shop"),
            LabelMatcher.of("cluster", LabelMatcher.Type.REGEX, "east-.*"),
            LabelMatcher.of("tenant", LabelMatcher.Type.NOT_EQUAL, "x"),
            LabelMatcher.of("pod", LabelMatcher.Type.NOT_REGEX, "canary-.*"));
    assertThat(q.stages()).isEmpty();
  }

  @Test
  void lineFiltersParsersDropAndLabelFiltersKeepTheirOrder() {
    LogQuery q =
        (LogQuery)
            LogqlParser.parse(
                "{namespace=\"shop\"} |= \"GET\" != \"health\" |~ \"5[0-9]{2}\" !~ `debug`"
                    + " | json | response_code >= 500 and method=\"GET\" | drop __error__, pod"
                    + " | logfmt");
    assertThat(q.stages())
        .containsExactly(
            new Stage.Line(new LineFilter(LineFilter.Op.CONTAINS, "GET")),
            new Stage.Line(new LineFilter(LineFilter.Op.NOT_CONTAINS, "health")),
            new Stage.Line(new LineFilter(LineFilter.Op.REGEX, "5[0-9]{2}")),
            new Stage.Line(new LineFilter(LineFilter.Op.NOT_REGEX, "debug")),
            new Stage.Parser(ParserKind.JSON),
            new Stage.Labels(
                new LabelFilter.And(
                    new LabelFilter.Number("response_code", Comparison.GE, 500),
                    new LabelFilter.Text(LabelMatcher.equal("method", "GET")))),
            new Stage.Drop(List.of("__error__", "pod")),
            new Stage.Parser(ParserKind.LOGFMT));
    assertThat(q.lineFilters()).hasSize(4);
    assertThat(q.onlyLineFilters()).isFalse();
  }

  @Test
  void labelFilterPrecedenceIsAndBeforeOrWithCommasAndParentheses() {
    LogQuery q =
        (LogQuery)
            LogqlParser.parse(
                "{a=\"b\"} | json | method=\"GET\" or method=\"POST\", duration > 100"
                    + " | (response_code == 503 or response_flags=~\"U.*\") path!=\"/health\"");
    LabelFilter.Or first = (LabelFilter.Or) ((Stage.Labels) q.stages().get(1)).filter();
    assertThat(first.left()).isEqualTo(new LabelFilter.Text(LabelMatcher.equal("method", "GET")));
    assertThat(first.right())
        .isEqualTo(
            new LabelFilter.And(
                new LabelFilter.Text(LabelMatcher.equal("method", "POST")),
                new LabelFilter.Number("duration", Comparison.GT, 100)));
    LabelFilter.And second = (LabelFilter.And) ((Stage.Labels) q.stages().get(2)).filter();
    assertThat(second.left()).isInstanceOf(LabelFilter.Or.class);
    assertThat(second.right())
        .isEqualTo(
            new LabelFilter.Text(LabelMatcher.of("path", LabelMatcher.Type.NOT_EQUAL, "/health")));
  }

  @Test
  void grafanaLogsVolumeQueryParsesAsSumByLevelOfCountOverTime() {
    VectorAggregation v =
        (VectorAggregation)
            LogqlParser.parse(
                "sum by (level) (count_over_time({namespace=\"shop\"} | drop __error__[1m]))");
    assertThat(v.op()).isEqualTo(VectorOp.SUM);
    assertThat(v.grouping()).isEqualTo(new Grouping(false, List.of("level")));
    RangeAggregation r = (RangeAggregation) v.inner();
    assertThat(r.op()).isEqualTo(RangeOp.COUNT_OVER_TIME);
    assertThat(r.rangeMs()).isEqualTo(60_000);
    assertThat(r.logs().stages()).containsExactly(new Stage.Drop(List.of("__error__")));
  }

  @Test
  void rangeMayFollowTheSelectorOrThePipelineAndGroupingMayTrail() {
    RangeAggregation a =
        (RangeAggregation) LogqlParser.parse("rate({a=\"b\"}[5m] |= \"x\" | json)");
    RangeAggregation b =
        (RangeAggregation) LogqlParser.parse("rate({a=\"b\"} |= \"x\" | json [5m])");
    assertThat(a).isEqualTo(b);
    assertThat(a.rangeMs()).isEqualTo(300_000);
    VectorAggregation v =
        (VectorAggregation)
            LogqlParser.parse("sum(bytes_rate(({a=\"b\"})[1h30m])) without (pod, cluster)");
    assertThat(v.grouping()).isEqualTo(new Grouping(true, List.of("pod", "cluster")));
    assertThat(((RangeAggregation) v.inner()).rangeMs()).isEqualTo(5_400_000);
    assertThat(((RangeAggregation) v.inner()).op()).isEqualTo(RangeOp.BYTES_RATE);
  }

  @Test
  void stringEscapesAreGoEscapes() {
    LogQuery q = (LogQuery) LogqlParser.parse("{a=\"b\"} |= \"say \\\"hi\\\"\\t\\u0041\"");
    assertThat(q.lineFilters().get(0).value()).isEqualTo("say \"hi\"\tA");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      value = {
        "'{namespace=\"shop\"'"
            + " | 'parse error at line 1, col 18: syntax error: unexpected $end, expecting } or ,'",
        "'{}' | 'parse error at line 1, col 2: syntax error: unexpected }, expecting IDENTIFIER'",
        "'namespace' | 'parse error at line 1, col 1: syntax error: unexpected IDENTIFIER'",
        "'{a=b}' | 'parse error at line 1, col 4: syntax error: unexpected IDENTIFIER,"
            + " expecting STRING'",
        "'{a=\"b\"} |= 42' | 'parse error at line 1, col 12: syntax error: unexpected NUMBER,"
            + " expecting STRING'",
        "'count_over_time({a=\"b\"})' | 'parse error at line 1, col 24: syntax error:"
            + " unexpected ), expecting RANGE'",
        "'{a=\"b\"}[5m]' | 'parse error at line 1, col 8: syntax error: a range needs a range"
            + " aggregation such as count_over_time'",
        "'sum({a=\"b\"})' | 'parse error at line 1, col 5: syntax error: sum needs a metric"
            + " query, not a log query'",
        "'rate({a=\"b\"}[5x])' | 'parse error at line 1, col 13: not a valid duration string:"
            + " \"5x\"'",
        "'{a=\"b\"} | label_format x=\"{{.y}}\"' | 'parse error at line 1, col 11: label_format is"
            + " not supported'",
        "'{a=\"b\"} | line_format \"{{ToUpper .x}}\"' | 'parse error at line 1, col 23: line_format:"
            + " only {{.label}} and {{__line__}} are supported, not {{ToUpper .x}}'",
        "'{a=\"b\"} | line_format \"{{.x}}\" |= \"y\"' | 'parse error at line 1, col 32: a line"
            + " filter after line_format is not supported; filter before it'",
        "'quantile_over_time(0.9, {a=\"b\"} | unwrap duration [1m])' | 'parse error at line 1,"
            + " col 1: quantile_over_time is not supported'",
        "'{a=\"b\"} | json | duration > 10ms' | 'parse error at line 1, col 29: duration and"
            + " bytes label filters are not supported: access log durations and sizes are plain"
            + " numbers (milliseconds, bytes), e.g. | duration > 250'",
        "'{a=\"b\"} |~ \"(unclosed\"' | 'parse error at line 1, col 12: error parsing regexp:"
            + " missing closing ): `(unclosed`'",
        "'{a=\"b\"} @' | 'parse error at line 1, col 9: syntax error: unexpected character"
            + " ''@'''",
        "'' | 'parse error at line 1, col 1: syntax error: unexpected $end'",
      })
  void invalidQueriesAreRefusedWithLokiStyleMessages(String query, String message) {
    assertThatThrownBy(() -> LogqlParser.parse(query))
        .isInstanceOf(LogqlException.class)
        .hasMessage(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      value = {
        "'{namespace=~\".*\"}'",
        "'{namespace!=\"shop\"}'",
        "'{namespace=\"\"}'",
        "'{namespace!~\"shop\", pod=~\"x|\"}'",
      })
  void selectorThatMatchesEverythingIsRefusedAsInLoki(String query) {
    assertThatThrownBy(() -> LogqlParser.parse(query))
        .hasMessage(
            "parse error : queries require at least one regexp or equality matcher that does not"
                + " have an empty-compatible value. For instance, app=~\".*\" does not meet this"
                + " requirement, but app=~\".+\" will");
  }

  @Test
  void seriesMatchersMustBeBareSelectors() {
    assertThat(LogqlParser.parseSelector("{namespace=\"shop\"}"))
        .containsExactly(LabelMatcher.equal("namespace", "shop"));
    assertThatThrownBy(() -> LogqlParser.parseSelector("{namespace=\"shop\"} |= \"x\""))
        .hasMessage("only label matchers are supported");
    assertThatThrownBy(() -> LogqlParser.parseSelector("rate({namespace=\"shop\"}[1m])"))
        .hasMessage("only label matchers are supported");
  }
}
