package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.Scope;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Regular expressions in matchers and {@code label_replace} match what Go's RE2 matches in
 * Prometheus 2.42 where Java's dialect reads the same text differently.
 */
class GoRegexTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a.b", "a\rb", true),
        Arguments.of("a.b", "a\u2028b", true),
        Arguments.of("a.b", "a\nb", false),
        Arguments.of("(?s)a.b", "a\nb", true),
        Arguments.of("(?i)über", "ÜBER", true),
        Arguments.of("(?i)ü.*", "Ünïcödé", true),
        Arguments.of("[[:alpha:]]+", "plain", true),
        Arguments.of("[[:alpha:]]+", "plain1", false),
        Arguments.of("[[:^digit:]]+", "abc", true),
        Arguments.of("[[:word:]]+", "a_1", true),
        Arguments.of("[[]", "[", true),
        Arguments.of("[]a]+", "]a]", true),
        Arguments.of("[a&&b]", "&", true),
        Arguments.of("a\\sb", "a\u000bb", false),
        Arguments.of("a\\sb", "a\tb", true),
        Arguments.of("a\\Sb", "a\u000bb", true),
        Arguments.of("[\\s]x", "\u000bx", false),
        Arguments.of("(?P<x>a)b", "ab", true));
  }

  @ParameterizedTest(name = "{0} on {1}: {2}")
  @MethodSource("cases")
  void matchesLikeGo(String regex, String value, boolean matches) {
    assertThat(GoRegex.compileAnchored(regex).matcher(value).matches()).isEqualTo(matches);
  }

  @Test
  void selectorMatchersUseGoSemantics() {
    List<LabelMatcher> m = PromqlParser.parseMetricSelector("x{v=~\"a.b\", w!~\"(?i)ü\"}");
    LabelMatcher v = m.stream().filter(x -> x.name().equals("v")).findFirst().orElseThrow();
    LabelMatcher w = m.stream().filter(x -> x.name().equals("w")).findFirst().orElseThrow();
    assertThat(v.matches("a\rb")).isTrue();
    assertThat(v.matches("a\nb")).isFalse();
    assertThat(w.matches("Ü")).isFalse();
  }

  @Test
  void invalidRegexesKeepPrometheusErrors() {
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> PromqlParser.parse("x{v=~\"(a\"}")))
        .hasMessage("1:3: parse error: error parsing regexp: missing closing ): `^(?:(a)$`");
  }

  @Test
  void labelReplaceUsesGoSemantics() {
    InMemorySeriesReader data =
        new InMemorySeriesReader()
            .add("t", Labels.of("__name__", "m", "v", "a\rb"), 0, 1)
            .add("t", Labels.of("__name__", "m", "v", "ÜBER"), 0, 1);
    QueryResult r =
        new PromqlEngine(EngineSettings.defaults())
            .instantQuery(
                data,
                Scope.everything(),
                "label_replace(label_replace(m, \"x\", \"$1\", \"v\", \"(.).*\"),"
                    + " \"y\", \"$1\", \"v\", \"(?i)ü(.*)\")",
                0);
    assertThat(((QueryResult.Vector) r).samples())
        .extracting(s -> s.labels().get("x") + "/" + s.labels().get("y"))
        .containsExactly("a/null", "Ü/BER");
  }
}
