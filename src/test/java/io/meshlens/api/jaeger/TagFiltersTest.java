package io.meshlens.api.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TagFiltersTest {

  @Test
  void jsonObjectAsGrafanaAndJaegerSendIt() {
    assertThat(
            TagFilters.parse(
                List.of(),
                "{\"http.status_code\":\"500\",\"upstream_cluster\":\"inbound|9080||\"}"))
        .containsExactly(
            Map.entry("http.status_code", "500"), Map.entry("upstream_cluster", "inbound|9080||"));
  }

  @Test
  void jsonScalarsThatAreNotStringsAreReadAsText() {
    assertThat(TagFilters.parse(List.of(), "{\"error\":true,\"http.status_code\":503}"))
        .containsExactly(Map.entry("error", "true"), Map.entry("http.status_code", "503"));
  }

  @Test
  void logfmtWithQuotedValuesEscapesAndBareKeys() {
    assertThat(
            TagFilters.parse(
                List.of(),
                "  http.status_code=200   error  upstream_cluster=\"outbound|9080||reviews\""
                    + " user_agent=\"say \\\"hi\\\" \\\\ there\" empty="))
        .containsExactly(
            Map.entry("http.status_code", "200"),
            Map.entry("error", "true"),
            Map.entry("upstream_cluster", "outbound|9080||reviews"),
            Map.entry("user_agent", "say \"hi\" \\ there"),
            Map.entry("empty", ""));
  }

  @Test
  void tagParametersSplitAtTheFirstColonAndTagsOverrideThem() {
    assertThat(
            TagFilters.parse(
                List.of("http.url:http://reviews:9080/reviews/0", "a:1"), "{\"a\":\"2\"}"))
        .containsExactly(
            Map.entry("http.url", "http://reviews:9080/reviews/0"), Map.entry("a", "2"));
  }

  @Test
  void absentOrBlankTagsAreNoCondition() {
    assertThat(TagFilters.parse(List.of(), null)).isEmpty();
    assertThat(TagFilters.parse(List.of(), "   ")).isEmpty();
  }

  @Test
  void malformedInputIsRefusedWithTheReason() {
    assertThatThrownBy(() -> TagFilters.parse(List.of("nocolon"), null))
        .hasMessage("malformed 'tag' parameter, expecting key:value, received: nocolon");
    assertThatThrownBy(() -> TagFilters.parse(List.of(), "{\"a\":"))
        .hasMessageStartingWith("malformed 'tags' parameter, cannot unmarshal JSON: ");
    assertThatThrownBy(() -> TagFilters.parse(List.of(), "{\"a\":{\"b\":\"c\"}}"))
        .hasMessage("malformed 'tags' parameter, value of 'a' is not a string");
    assertThatThrownBy(() -> TagFilters.parse(List.of(), "{\"a\":null}"))
        .hasMessage("malformed 'tags' parameter, value of 'a' is not a string");
    assertThatThrownBy(() -> TagFilters.parse(List.of(), "a=1 =2"))
        .hasMessage("malformed 'tags' parameter, expecting key=value at position 5");
    assertThatThrownBy(() -> TagFilters.parse(List.of(), "a=\"open"))
        .hasMessage("malformed 'tags' parameter, unterminated quoted value of 'a'");
    assertThatThrownBy(() -> TagFilters.parse(List.of(), "a\"b=1"))
        .hasMessage("malformed 'tags' parameter, unexpected '\"' in key at position 2");
  }
}
