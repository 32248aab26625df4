package io.meshlens.api.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.api.jaeger.JaegerJson.KeyValue;
import io.meshlens.api.jaeger.JaegerJson.Process;
import io.meshlens.api.jaeger.JaegerJson.Reference;
import io.meshlens.api.jaeger.JaegerJson.Span;
import io.meshlens.api.jaeger.JaegerJson.Trace;
import io.meshlens.ingest.spans.SpanDecoder;
import io.meshlens.ingest.spans.SpanRecord;
import io.meshlens.store.Scope;
import io.meshlens.store.spans.SpanStore;
import io.meshlens.store.spans.StoredSpan;
import io.meshlens.testdata.RealData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redaction on the real bookinfo trace Kiali's tests captured from Tempo (shared/data/real): its
 * spans decoded by the real decoder, stored in a real span store, the ingress gateway's span owned
 * by {@code platform} and the rest by {@code bookinfo}.
 */
class TraceAssemblerTest {

  private static final String TRACE = "3ba55609c3cde49649cd77d1f9dcd936";
  private static final String GATEWAY_SPAN = "49cd77d1f9dcd936";
  private static final String PRODUCTPAGE_SERVER_SPAN = "84756b1dab0856fa";

  @TempDir Path dir;
  private SpanStore store;

  @BeforeEach
  void storeTheRealTrace() throws Exception {
    store = new SpanStore(dir);
    List<SpanRecord> records =
        new SpanDecoder()
            .decode(RealData.bytes("kiali__tracing_tracingtest_responseTrace.json"))
            .value();
    store.append(
        records.stream()
            .map(
                r ->
                    StoredSpan.of(
                        r, r.namespace().equals("istio-system") ? "platform" : "bookinfo"))
            .toList(),
        Map.of());
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  private Trace trace(Scope scope, boolean redact) throws Exception {
    return new TraceAssembler(redact).trace(store.trace(scope, TRACE));
  }

  private static Span span(Trace t, String spanId) {
    return t.spans().stream().filter(s -> s.spanID().equals(spanId)).findFirst().orElseThrow();
  }

  @Test
  void foreignGatewaySpanKeepsTimingAndTreeButLosesNameTagsAndService() throws Exception {
    Trace t = trace(Scope.tenants(Set.of("bookinfo")), true);

    Span gateway = span(t, GATEWAY_SPAN);
    assertThat(gateway)
        .isEqualTo(
            new Span(
                TRACE,
                GATEWAY_SPAN,
                "redacted",
                List.of(),
                1_701_779_876_570_888L,
                11_932L,
                List.of(),
                List.of(),
                gateway.processID(),
                List.of(
                    "redacted: this span belongs to tenant 'platform', outside the caller's"
                        + " scope")));
    assertThat(t.processes().get(gateway.processID()))
        .isEqualTo(
            new Process(
                "platform",
                List.of(
                    KeyValue.string("meshlens.tenant", "platform"),
                    KeyValue.bool("meshlens.redacted", true))));
    // Nothing only the gateway's span holds (its service, pod, node id, namespace) is left.
    String json = new ObjectMapper().writeValueAsString(t);
    assertThat(json)
        .doesNotContain("istio-ingressgateway")
        .doesNotContain("79788cd94-wgmsp")
        .doesNotContain("router~")
        .doesNotContain("istio-system");

    // Its child, in scope, still points at it and is shown in full.
    Span productpage = span(t, PRODUCTPAGE_SERVER_SPAN);
    assertThat(productpage.operationName())
        .isEqualTo("productpage.bookinfo.svc.cluster.local:9080/productpage");
    assertThat(productpage.references())
        .containsExactly(new Reference("CHILD_OF", TRACE, GATEWAY_SPAN));
    assertThat(productpage.duration()).isEqualTo(11_439L);
    assertThat(productpage.warnings()).isNull();
    assertThat(productpage.tags())
        .contains(
            KeyValue.string("istio.namespace", "bookinfo"),
            KeyValue.string(
                "node_id",
                "sidecar~10.244.0.25~productpage-v1-6f89b6c557-sg2bc.bookinfo~bookinfo.svc.cluster.local"),
            KeyValue.string("http.status_code", "200"))
        .endsWith(KeyValue.string("span.kind", "server"));
    assertThat(productpage.tags()).hasSize(21);
    assertThat(t.processes().get(productpage.processID()))
        .isEqualTo(
            new Process(
                "productpage.bookinfo",
                List.of(
                    KeyValue.string("meshlens.tenant", "bookinfo"),
                    KeyValue.string("meshlens.namespace", "bookinfo"))));
  }

  @Test
  void everySpanKeepsItsPlaceAndEachServiceIsOneProcess() throws Exception {
    Trace t = trace(Scope.tenants(Set.of("bookinfo")), true);
    assertThat(t.traceID()).isEqualTo(TRACE);
    assertThat(t.warnings()).isNull();
    assertThat(t.spans())
        .extracting(s -> t.processes().get(s.processID()).serviceName(), Span::spanID)
        .containsExactlyInAnyOrder(
            tuple("platform", GATEWAY_SPAN),
            tuple("productpage.bookinfo", PRODUCTPAGE_SERVER_SPAN),
            tuple("productpage.bookinfo", "1210042c36f8be92"),
            tuple("productpage.bookinfo", "e9c8fd1deb3e88dd"),
            tuple("details.bookinfo", "d23de5feae19a76d"),
            tuple("reviews.bookinfo", "77191048cb7dadc4"),
            tuple("reviews.bookinfo", "7c597bf56ddf1a03"),
            tuple("ratings.bookinfo", "e9d3d5f02056e0bc"));
    assertThat(t.processes()).hasSize(5).containsKeys("p1", "p2", "p3", "p4", "p5");
    assertThat(t.spans()).extracting(Span::startTime).isSorted();
  }

  @Test
  void wholeMeshScopeSeesTheGatewaySpanInFull() throws Exception {
    Trace t = trace(Scope.everything(), true);
    Span gateway = span(t, GATEWAY_SPAN);
    assertThat(gateway.operationName())
        .isEqualTo("productpage.bookinfo.svc.cluster.local:9080/productpage");
    assertThat(gateway.tags())
        .contains(
            KeyValue.string("http.url", "http://192.168.49.2:31653/productpage"),
            KeyValue.string("span.kind", "client"));
    assertThat(gateway.warnings()).isNull();
    assertThat(t.processes().get(gateway.processID()).serviceName())
        .isEqualTo("istio-ingressgateway.istio-system");
  }

  @Test
  void redactionOffShowsForeignSpansInFull() throws Exception {
    Trace t = trace(Scope.tenants(Set.of("bookinfo")), false);
    Span gateway = span(t, GATEWAY_SPAN);
    assertThat(gateway.operationName())
        .isEqualTo("productpage.bookinfo.svc.cluster.local:9080/productpage");
    assertThat(t.processes().get(gateway.processID()).serviceName())
        .isEqualTo("istio-ingressgateway.istio-system");
  }

  @Test
  void traceOfATenantWithNoSpanInItIsNotReturnedByTheStore() throws Exception {
    assertThat(store.trace(Scope.tenants(Set.of("shop")), TRACE)).isEmpty();
  }

  @Test
  void statusBecomesJaegersOtelStatusAndErrorTags() {
    StoredSpan failed =
        new StoredSpan(
            TRACE,
            "00000000000000aa",
            "",
            "shop",
            "frontend.shop",
            "GET /",
            "server",
            1,
            2,
            "error",
            "{\"http.status_code\":\"503\"}",
            "east-1",
            "shop",
            false);
    assertThat(TraceAssembler.tags(failed))
        .containsExactly(
            KeyValue.string("http.status_code", "503"),
            KeyValue.string("span.kind", "server"),
            KeyValue.string("otel.status_code", "ERROR"),
            KeyValue.bool("error", true));
    StoredSpan ok =
        new StoredSpan(
            TRACE,
            "00000000000000ab",
            "",
            "shop",
            "frontend.shop",
            "GET /",
            "unspecified",
            1,
            2,
            "ok",
            "{}",
            "",
            "",
            false);
    assertThat(TraceAssembler.tags(ok)).containsExactly(KeyValue.string("otel.status_code", "OK"));
  }
}
