package io.meshlens.api.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.store.spans.SpanQuery;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceSearchTest {

  private static final long NOW = 1_701_779_900_000_000L;

  private static TraceSearch.Params params(String service) {
    return new TraceSearch.Params(
        service, null, null, null, null, null, null, null, null, null, null);
  }

  private static TraceSearch parse(TraceSearch.Params p) {
    return TraceSearch.parse(p, NOW);
  }

  @Test
  void withOnlyAServiceSearchesTheLastTwoDaysForAHundredTracesAsJaegerDoes() {
    TraceSearch s = parse(params("productpage.bookinfo"));
    assertThat(s.query())
        .isEqualTo(
            new SpanQuery(
                "productpage.bookinfo",
                null,
                Map.of(),
                0,
                0,
                NOW - 2L * 86_400_000_000L,
                NOW,
                100,
                null));
    assertThat(s.traceIds()).isEmpty();
    assertThat(s.matchesNothing()).isFalse();
  }

  @Test
  void grafanaSearchWithEveryParameter() {
    TraceSearch s =
        parse(
            new TraceSearch.Params(
                "reviews.bookinfo",
                "reviews.bookinfo.svc.cluster.local:9080/*",
                "{\"http.status_code\":\"200\"}",
                null,
                "1.2ms",
                "2s",
                "1701779800000000",
                "1701779880000000",
                "20",
                "custom",
                null));
    assertThat(s.query())
        .isEqualTo(
            new SpanQuery(
                "reviews.bookinfo",
                "reviews.bookinfo.svc.cluster.local:9080/*",
                Map.of("http.status_code", "200"),
                1_200,
                2_000_000,
                1_701_779_800_000_000L,
                1_701_779_880_000_000L,
                20,
                null));
  }

  @Test
  void lookbackSetsTheStartOnlyWhenNoStartIsGiven() {
    TraceSearch.Params oneHour =
        new TraceSearch.Params("s", null, null, null, null, null, null, null, null, "1h", null);
    assertThat(parse(oneHour).query().startMicros()).isEqualTo(NOW - 3_600_000_000L);
    TraceSearch.Params sevenDays =
        new TraceSearch.Params("s", null, null, null, null, null, null, null, null, "7d", null);
    assertThat(parse(sevenDays).query().startMicros()).isEqualTo(NOW - 7 * 86_400_000_000L);
    TraceSearch.Params withStart =
        new TraceSearch.Params("s", null, null, null, null, null, "5", null, null, "1h", null);
    assertThat(parse(withStart).query().startMicros()).isEqualTo(5L);
    TraceSearch.Params junk =
        new TraceSearch.Params("s", null, null, null, null, null, null, null, null, "x", null);
    assertThat(parse(junk).query().startMicros()).isEqualTo(NOW - 2 * 86_400_000_000L);
  }

  @Test
  void limitZeroMeansTheDefaultAndHugeLimitsAreCapped() {
    TraceSearch.Params zero =
        new TraceSearch.Params("s", null, null, null, null, null, null, null, "0", null, null);
    assertThat(parse(zero).query().limit()).isEqualTo(100);
    TraceSearch.Params huge =
        new TraceSearch.Params("s", null, null, null, null, null, null, null, "99999", null, null);
    assertThat(parse(huge).query().limit()).isEqualTo(1500);
  }

  @Test
  void errorTagAndOtelStatusCodeSelectByStatusOtherTagsByAttribute() {
    TraceSearch s =
        parse(
            new TraceSearch.Params(
                "s",
                null,
                "error=true http.method=GET",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));
    assertThat(s.query().status()).isEqualTo("error");
    assertThat(s.query().tags()).containsExactly(Map.entry("http.method", "GET"));

    TraceSearch ok =
        parse(
            new TraceSearch.Params(
                "s",
                null,
                null,
                List.of("otel.status_code:ok"),
                null,
                null,
                null,
                null,
                null,
                null,
                null));
    assertThat(ok.query().status()).isEqualTo("ok");
    assertThat(ok.matchesNothing()).isFalse();

    TraceSearch both =
        parse(
            new TraceSearch.Params(
                "s",
                null,
                "error=true otel.status_code=OK",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));
    assertThat(both.matchesNothing()).isTrue();
  }

  @Test
  void traceIdParametersNeedNoServiceAndAreNormalised() {
    TraceSearch s =
        parse(
            new TraceSearch.Params(
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of("3BA55609C3CDE49649CD77D1F9DCD936", "abc")));
    assertThat(s.traceIds())
        .containsExactly("3ba55609c3cde49649cd77d1f9dcd936", "00000000000000000000000000000abc");
  }

  @Test
  void badParametersAreRefusedWithJaegersWords() {
    assertThatThrownBy(() -> parse(params(null))).hasMessage("parameter 'service' is required");
    assertThatThrownBy(() -> parse(params(""))).hasMessage("parameter 'service' is required");
    assertThatThrownBy(
            () ->
                parse(
                    new TraceSearch.Params(
                        "s", null, null, null, "abc", null, null, null, null, null, null)))
        .hasMessage("unable to parse param 'minDuration': time: invalid duration \"abc\"");
    assertThatThrownBy(
            () ->
                parse(
                    new TraceSearch.Params(
                        "s", null, null, null, null, "-1s", null, null, null, null, null)))
        .hasMessage("unable to parse param 'maxDuration': negative duration \"-1s\"");
    assertThatThrownBy(
            () ->
                parse(
                    new TraceSearch.Params(
                        "s", null, null, null, "2s", "1s", null, null, null, null, null)))
        .hasMessage("'maxDuration' should be greater than 'minDuration'");
    assertThatThrownBy(
            () ->
                parse(
                    new TraceSearch.Params(
                        "s", null, null, null, null, null, "yesterday", null, null, null, null)))
        .hasMessage(
            "unable to parse param 'start': not an integer number of microseconds: \"yesterday\"");
    assertThatThrownBy(
            () ->
                parse(
                    new TraceSearch.Params(
                        "s", null, null, null, null, null, null, null, "ten", null, null)))
        .hasMessage("unable to parse param 'limit': not an integer: \"ten\"");
    assertThatThrownBy(
            () ->
                parse(
                    new TraceSearch.Params(
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of("xyz"))))
        .hasMessage("cannot parse traceID param: TraceID is not a hex string: xyz");
    assertThatThrownBy(
            () ->
                parse(
                    new TraceSearch.Params(
                        "s",
                        null,
                        "span.kind=server",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null)))
        .hasMessage("tag 'span.kind' cannot be searched yet");
    assertThatThrownBy(
            () ->
                parse(
                    new TraceSearch.Params(
                        "s",
                        null,
                        "otel.status_code=BAD",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null)))
        .hasMessage("tag 'otel.status_code' must be ERROR, OK or UNSET, got: BAD");
  }
}
