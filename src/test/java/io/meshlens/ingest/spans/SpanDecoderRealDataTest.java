package io.meshlens.ingest.spans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.decode.FailureReason;
import io.meshlens.ingest.decode.UpstreamCluster;
import io.meshlens.testdata.RealData;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Spans from real Istio and OpenTelemetry samples (shared/data/real, see PROVENANCE.md). */
class SpanDecoderRealDataTest {

  private static final String TEMPO_TRACE = "kiali__tracing_tracingtest_responseTrace.json";

  private final SpanDecoder decoder = new SpanDecoder();

  private List<SpanRecord> decode(String file) {
    DecodeResult<List<SpanRecord>> r = decoder.decode(RealData.bytes(file));
    assertThat(r.failure()).isNull();
    assertThat(r.rejected()).isEmpty();
    return r.value();
  }

  @Test
  void tempoTraceResponseGivesEveryEnvoySpanWithBase64IdsAsHex() {
    List<SpanRecord> spans = decode(TEMPO_TRACE);
    assertThat(spans)
        .extracting(
            SpanRecord::serviceName,
            SpanRecord::spanId,
            SpanRecord::parentSpanId,
            SpanRecord::kind,
            SpanRecord::durationNanos,
            SpanRecord::pod)
        .containsExactly(
            tuple(
                "istio-ingressgateway.istio-system",
                "49cd77d1f9dcd936",
                "",
                SpanRecord.Kind.CLIENT,
                11_932_000L,
                "istio-ingressgateway-79788cd94-wgmsp"),
            tuple(
                "productpage.bookinfo",
                "84756b1dab0856fa",
                "49cd77d1f9dcd936",
                SpanRecord.Kind.SERVER,
                11_439_000L,
                "productpage-v1-6f89b6c557-sg2bc"),
            tuple(
                "productpage.bookinfo",
                "1210042c36f8be92",
                "84756b1dab0856fa",
                SpanRecord.Kind.CLIENT,
                2_724_000L,
                "productpage-v1-6f89b6c557-sg2bc"),
            tuple(
                "productpage.bookinfo",
                "e9c8fd1deb3e88dd",
                "84756b1dab0856fa",
                SpanRecord.Kind.CLIENT,
                1_334_000L,
                "productpage-v1-6f89b6c557-sg2bc"),
            tuple(
                "details.bookinfo",
                "d23de5feae19a76d",
                "e9c8fd1deb3e88dd",
                SpanRecord.Kind.SERVER,
                905_000L,
                "details-v1-7745b6fcf4-mrz75"),
            tuple(
                "reviews.bookinfo",
                "77191048cb7dadc4",
                "1210042c36f8be92",
                SpanRecord.Kind.SERVER,
                2_242_000L,
                "reviews-v2-6f76498fc8-58wpn"),
            tuple(
                "reviews.bookinfo",
                "7c597bf56ddf1a03",
                "77191048cb7dadc4",
                SpanRecord.Kind.CLIENT,
                850_000L,
                "reviews-v2-6f76498fc8-58wpn"),
            tuple(
                "ratings.bookinfo",
                "e9d3d5f02056e0bc",
                "7c597bf56ddf1a03",
                SpanRecord.Kind.SERVER,
                434_000L,
                "ratings-v1-77bdbf89bb-qd48j"));
    assertThat(spans)
        .extracting(SpanRecord::traceId)
        .containsOnly("3ba55609c3cde49649cd77d1f9dcd936");
  }

  @Test
  void tempoTraceFormsOneTreeWithTheGatewaySpanAsRoot() {
    List<SpanRecord> spans = decode(TEMPO_TRACE);
    Set<String> ids = spans.stream().map(SpanRecord::spanId).collect(Collectors.toSet());
    assertThat(spans.stream().filter(SpanRecord::isRoot)).hasSize(1);
    assertThat(spans)
        .filteredOn(s -> !s.isRoot())
        .allSatisfy(s -> assertThat(ids).contains(s.parentSpanId()));
  }

  @Test
  void gatewaySpanHasItsMeshIdentityAndHttpFields() {
    SpanRecord s = decode(TEMPO_TRACE).get(0);
    assertThat(s.name()).isEqualTo("productpage.bookinfo.svc.cluster.local:9080/productpage");
    assertThat(s.startNanos()).isEqualTo(1_701_779_876_570_888_000L);
    assertThat(s.endNanos()).isEqualTo(1_701_779_876_582_820_000L);
    assertThat(s.statusCode()).isEqualTo(SpanRecord.StatusCode.UNSET);
    assertThat(s.statusMessage()).isEmpty();
    assertThat(s.namespace()).isEqualTo("istio-system");
    assertThat(s.cluster()).isEmpty();
    assertThat(s.canonicalService()).isEqualTo("istio-ingressgateway");
    assertThat(s.canonicalRevision()).isEqualTo("latest");
    assertThat(s.meshId()).isEqualTo("cluster.local");
    assertThat(s.upstreamCluster())
        .isEqualTo(
            new UpstreamCluster(
                "outbound|9080||productpage.bookinfo.svc.cluster.local",
                Direction.OUTBOUND,
                9080,
                "",
                "productpage.bookinfo.svc.cluster.local",
                "productpage",
                "bookinfo"));
    assertThat(s.httpMethod()).isEqualTo("GET");
    assertThat(s.httpUrl()).isEqualTo("http://192.168.49.2:31653/productpage");
    assertThat(s.httpStatusCode()).isEqualTo(200);
    assertThat(s.responseFlags()).isEqualTo("-");
    assertThat(s.requestId()).isEqualTo("e4e8c177-3962-9359-945e-61e7175cd867");
    assertThat(s.eventsCount()).isEqualTo(1);
    assertThat(s.linksCount()).isZero();
    assertThat(s.resourceAttributes())
        .containsExactly(Map.entry("service.name", "istio-ingressgateway.istio-system"));
    assertThat(s.attributes()).hasSize(20);
    assertThat(s.attributes().keySet())
        .startsWith("peer.address", "http.protocol", "upstream_cluster.name", "node_id");
    assertThat(s.attributes()).containsEntry("request_size", "0");
  }

  @Test
  void serverSpanIsInboundWithOnlyThePortInItsCluster() {
    SpanRecord s = decode(TEMPO_TRACE).get(1);
    assertThat(s.direction()).isEqualTo(Direction.INBOUND);
    assertThat(s.upstreamCluster().port()).isEqualTo(9080);
    assertThat(s.upstreamCluster().service()).isEmpty();
    assertThat(s.namespace()).isEqualTo("bookinfo");
    assertThat(s.canonicalService()).isEqualTo("productpage");
    assertThat(s.canonicalRevision()).isEqualTo("v1");
  }

  @Test
  void otlpReferenceTraceReadsUpperCaseHexIdsAndIntegerKind() {
    List<SpanRecord> spans = decode("otlp-proto__examples_trace.json");
    assertThat(spans).hasSize(1);
    SpanRecord s = spans.get(0);
    assertThat(s.traceId()).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(s.spanId()).isEqualTo("eee19b7ec3c1b174");
    assertThat(s.parentSpanId()).isEqualTo("eee19b7ec3c1b173");
    assertThat(s.name()).isEqualTo("I'm a server span");
    assertThat(s.kind()).isEqualTo(SpanRecord.Kind.SERVER);
    assertThat(s.startNanos()).isEqualTo(1_544_712_660_000_000_000L);
    assertThat(s.endNanos()).isEqualTo(1_544_712_661_000_000_000L);
    assertThat(s.durationNanos()).isEqualTo(1_000_000_000L);
    assertThat(s.serviceName()).isEqualTo("my.service");
    assertThat(s.attributes()).containsExactly(Map.entry("my.span.attr", "some value"));
    assertThat(s.namespace()).isEmpty();
    assertThat(s.upstreamCluster()).isSameAs(UpstreamCluster.NONE);
    assertThat(s.httpStatusCode()).isZero();
  }

  @Test
  void tempoSearchResponseIsNotATraceAndSaysSo() {
    DecodeResult<List<SpanRecord>> r =
        decoder.decode(RealData.bytes("kiali__tracing_tracingtest_responseAmbient.json"));
    assertThat(r.reason()).isEqualTo(FailureReason.WRONG_SHAPE);
    assertThat(r.message()).isEqualTo("no resourceSpans (nor Tempo batches) in the JSON object");
  }
}
