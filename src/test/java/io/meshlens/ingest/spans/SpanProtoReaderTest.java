package io.meshlens.ingest.spans;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.testdata.RealData;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The direct protobuf reader against protobuf's parser: every message decodes to the same records
 * (fields, attribute order and all) or fails the same way on both paths, on real spans, the
 * simulator's, edge cases and damaged bytes; and the reader leaves to protobuf what it does not
 * read itself.
 */
class SpanProtoReaderTest {

  private final SpanDecoder decoder = new SpanDecoder();

  /** Both paths, compared by everything they give, attribute order included. */
  private static String describe(DecodeResult<List<SpanRecord>> r) {
    if (!r.isOk()) {
      return "failed " + r.reason() + ": " + r.message();
    }
    return r.value() + " rejected " + r.rejected();
  }

  private boolean sameOnBothPaths(byte[] message) {
    assertThat(describe(decoder.decode(message)))
        .isEqualTo(describe(decoder.decodeParsed(message)));
    return new SpanProtoReader().read(message) != null;
  }

  private static ByteString id(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed * 31 + i * 7 + 1);
    }
    return ByteString.copyFrom(b);
  }

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static KeyValue kv(String key, String value) {
    return kv(key, AnyValue.newBuilder().setStringValue(value).build());
  }

  private static Span.Builder span(int seed) {
    return Span.newBuilder()
        .setTraceId(id(16, seed))
        .setSpanId(id(8, seed))
        .setParentSpanId(id(8, seed + 1))
        .setName("op-" + seed)
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1_700_000_000_000_000_000L + seed)
        .setEndTimeUnixNano(1_700_000_000_500_000_000L + seed)
        .addAttributes(kv("istio.namespace", "shop"))
        .addAttributes(kv("upstream_cluster", "outbound|8080||cart.shop.svc.cluster.local"))
        .addAttributes(kv("http.status_code", "200"));
  }

  private static byte[] request(Resource resource, Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(resource)
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build()
        .toByteArray();
  }

  private static final Resource RESOURCE =
      Resource.newBuilder()
          .addAttributes(kv("service.name", "cart.shop"))
          .addAttributes(kv("k8s.cluster.name", "east"))
          .addAttributes(kv("node_id", "sidecar~10.0.0.1~cart-1.shop~shop.svc.cluster.local"))
          .build();

  @Test
  void realSpansGiveTheSameRecordsOnBothPaths() {
    int direct = 0;
    for (String file :
        List.of(
            "otlp-proto__examples_trace.json", "kiali__tracing_tracingtest_responseTrace.json")) {
      ExportTraceServiceRequest parsed = decoder.parse(RealData.bytes(file)).value();
      if (sameOnBothPaths(parsed.toByteArray())) {
        direct++;
      }
    }
    // The OTLP example carries events and links, which the reader leaves to protobuf.
    assertThat(direct).isEqualTo(1);
  }

  @Test
  void simulatorSpansGiveTheSameRecordsOnBothPaths() {
    List<byte[]> messages = SimulatedMesh.get().spanProto();
    assertThat(messages).hasSizeGreaterThan(10);
    for (byte[] m : messages) {
      assertThat(sameOnBothPaths(m)).isTrue();
    }
  }

  @Test
  void edgeCasesGiveTheSameRecordsOnBothPaths() {
    List<byte[]> read = new ArrayList<>();
    List<byte[]> leftToProtobuf = new ArrayList<>();
    // Values of every scalar type, a repeated key (first position, last value), empty ones.
    read.add(
        request(
            RESOURCE,
            span(1)
                .addAttributes(kv("b", AnyValue.newBuilder().setBoolValue(true).build()))
                .addAttributes(kv("i", AnyValue.newBuilder().setIntValue(-42).build()))
                .addAttributes(kv("d", AnyValue.newBuilder().setDoubleValue(0.1).build()))
                .addAttributes(kv("nan", AnyValue.newBuilder().setDoubleValue(Double.NaN).build()))
                .addAttributes(kv("big", AnyValue.newBuilder().setDoubleValue(1e21).build()))
                .addAttributes(kv("none", AnyValue.getDefaultInstance()))
                .addAttributes(KeyValue.newBuilder().setKey("novalue").build())
                .addAttributes(kv("istio.namespace", "payments"))
                .addAttributes(kv("", "empty key"))
                .addAttributes(kv("unicode é 中文 😀", "value é 中文 😀 \u0000 \n \"q\""))
                .build()));
    // No parent, an all-zero parent, kinds and status codes beyond the enums, a negative kind.
    read.add(
        request(
            RESOURCE,
            span(2).clearParentSpanId().build(),
            span(3).setParentSpanId(ByteString.copyFrom(new byte[8])).build(),
            span(4).setKindValue(9).setStatus(Status.newBuilder().setCodeValue(7)).build(),
            span(5).setKindValue(-1).build(),
            span(6)
                .setStatus(
                    Status.newBuilder()
                        .setCode(Status.StatusCode.STATUS_CODE_ERROR)
                        .setMessage("boom"))
                .build()));
    // End before start, times above 2^63 (unsigned), flags, trace state, dropped counts, scope.
    read.add(
        ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(
                ResourceSpans.newBuilder()
                    .setResource(RESOURCE.toBuilder().setDroppedAttributesCount(3))
                    .setSchemaUrl("https://opentelemetry.io/schemas/1.21.0")
                    .addScopeSpans(
                        ScopeSpans.newBuilder()
                            .setScope(
                                InstrumentationScope.newBuilder()
                                    .setName("envoy")
                                    .setVersion("1.31")
                                    .addAttributes(kv("scope.attr", "x"))
                                    .setDroppedAttributesCount(1))
                            .setSchemaUrl("s")
                            .addSpans(
                                span(7)
                                    .setStartTimeUnixNano(10)
                                    .setEndTimeUnixNano(5)
                                    .setFlags(0x301)
                                    .setTraceState("k=v")
                                    .setDroppedAttributesCount(2)
                                    .setDroppedEventsCount(3)
                                    .setDroppedLinksCount(4))
                            .addSpans(
                                span(8).setStartTimeUnixNano(-5).setEndTimeUnixNano(-1).build())))
            .addResourceSpans(
                // No resource at all; a resource without attributes.
                ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span(9))))
            .addResourceSpans(
                ResourceSpans.newBuilder()
                    .setResource(Resource.getDefaultInstance())
                    .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(10)))
                    .addScopeSpans(ScopeSpans.getDefaultInstance()))
            .addResourceSpans(ResourceSpans.getDefaultInstance())
            .build()
            .toByteArray());
    // Identity from resource attributes only, and from node_id only.
    read.add(
        request(
            RESOURCE.toBuilder()
                .addAttributes(kv("istio.namespace", "from-resource"))
                .addAttributes(kv("istio.cluster_id", "west"))
                .build(),
            span(11).clearAttributes().build(),
            span(12).clearAttributes().addAttributes(kv("istio.namespace", "")).build()));
    // Left to protobuf: events, links, array/map/bytes values, invalid ids, no spans.
    leftToProtobuf.add(
        request(RESOURCE, span(20).addEvents(Span.Event.newBuilder().setName("e")).build()));
    leftToProtobuf.add(
        request(RESOURCE, span(21).addLinks(Span.Link.newBuilder().setTraceId(id(16, 3))).build()));
    leftToProtobuf.add(
        request(
            RESOURCE,
            span(22)
                .addAttributes(
                    kv(
                        "arr",
                        AnyValue.newBuilder()
                            .setArrayValue(
                                ArrayValue.newBuilder()
                                    .addValues(AnyValue.newBuilder().setStringValue("x")))
                            .build()))
                .build()));
    leftToProtobuf.add(
        request(
            RESOURCE,
            span(23)
                .addAttributes(kv("bytes", AnyValue.newBuilder().setBytesValue(id(3, 1)).build()))
                .build()));
    leftToProtobuf.add(request(RESOURCE, span(24).build(), span(25).clearTraceId().build()));
    leftToProtobuf.add(request(RESOURCE, span(26).setSpanId(id(7, 1)).build()));
    leftToProtobuf.add(request(RESOURCE, span(27).setParentSpanId(id(9, 1)).build()));
    leftToProtobuf.add(
        request(RESOURCE, span(28).setTraceId(ByteString.copyFrom(new byte[16])).build()));
    leftToProtobuf.add(request(RESOURCE));
    leftToProtobuf.add(new byte[0]);
    leftToProtobuf.add(
        Resource.newBuilder()
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                    .build())
            .build()
            .toByteArray());
    for (byte[] m : read) {
      assertThat(sameOnBothPaths(m)).isTrue();
    }
    for (byte[] m : leftToProtobuf) {
      assertThat(sameOnBothPaths(m)).isFalse();
    }
  }

  /** Wire-level oddities: protobuf merges, takes the last, keeps unknown fields. */
  @Test
  void wireOdditiesGiveTheSameRecordsOrAreLeftToProtobuf() throws Exception {
    byte[] good = request(RESOURCE, span(30).build());
    byte[] rs =
        ResourceSpans.parseFrom(
                ExportTraceServiceRequest.parseFrom(good).getResourceSpans(0).toByteArray())
            .toByteArray();
    Span s = span(31).build();
    byte[] spanBytes = s.toByteArray();
    // A span's scalar fields given twice: protobuf takes the last.
    byte[] twice =
        concat(spanBytes, field(5, "second-name".getBytes()), field(1, id(16, 77).toByteArray()));
    assertThat(sameOnBothPaths(wrapSpan(twice))).isTrue();
    // Resource after the spans, a resource given twice, status given twice: merged by protobuf.
    byte[] scope = concat(field(2, spanBytes));
    byte[] after = concat(field(2, scope), field(1, RESOURCE.toByteArray()));
    assertThat(sameOnBothPaths(field(1, after))).isFalse();
    byte[] resourceTwice =
        concat(field(1, RESOURCE.toByteArray()), field(1, RESOURCE.toByteArray()), field(2, scope));
    assertThat(sameOnBothPaths(field(1, resourceTwice))).isFalse();
    byte[] statusTwice =
        concat(
            spanBytes,
            field(15, Status.newBuilder().setMessage("a").build().toByteArray()),
            field(15, Status.newBuilder().setCodeValue(2).build().toByteArray()));
    assertThat(sameOnBothPaths(wrapSpan(statusTwice))).isFalse();
    // A value with two kinds set: protobuf keeps the last.
    byte[] anyTwo =
        concat(
            AnyValue.newBuilder().setStringValue("s").build().toByteArray(),
            AnyValue.newBuilder().setIntValue(5).build().toByteArray());
    byte[] kvBytes = concat(field(1, "two".getBytes()), field(2, anyTwo));
    assertThat(sameOnBothPaths(wrapSpan(concat(spanBytes, field(9, kvBytes))))).isTrue();
    // An unknown field in a span, a known field with the wrong wire type.
    assertThat(sameOnBothPaths(wrapSpan(concat(spanBytes, varintField(99, 1))))).isFalse();
    assertThat(sameOnBothPaths(wrapSpan(concat(spanBytes, varintField(5, 1))))).isFalse();
    // Invalid UTF-8 in a name, a key, a value, a schema URL: protobuf refuses the message.
    byte[] bad = {'a', (byte) 0xC3, 'b'};
    assertThat(sameOnBothPaths(wrapSpan(concat(spanBytes, field(5, bad))))).isFalse();
    assertThat(sameOnBothPaths(wrapSpan(concat(spanBytes, field(9, field(1, bad)))))).isFalse();
    assertThat(
            sameOnBothPaths(
                wrapSpan(
                    concat(
                        spanBytes,
                        field(9, concat(field(1, "k".getBytes()), field(2, field(1, bad))))))))
        .isFalse();
    assertThat(sameOnBothPaths(field(1, concat(rs, field(3, bad))))).isFalse();
    // Overlong (surrogate) UTF-8.
    byte[] surrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};
    assertThat(sameOnBothPaths(wrapSpan(concat(spanBytes, field(5, surrogate))))).isFalse();
  }

  @Test
  void damagedBytesAreEitherReadAlikeOrLeftToProtobuf() {
    List<byte[]> messages = SimulatedMesh.get().spanProto();
    SplittableRandom random = new SplittableRandom(7);
    int readDirect = 0;
    int tried = 0;
    for (int k = 0; k < 3; k++) {
      byte[] m = messages.get(k);
      // Truncations at many points.
      for (int cut = 0; cut < m.length; cut += Math.max(1, m.length / 400)) {
        tried++;
        if (sameOnBothPaths(Arrays.copyOf(m, cut))) {
          readDirect++;
        }
      }
      // Flipped bytes.
      for (int i = 0; i < 400; i++) {
        byte[] d = m.clone();
        int flips = 1 + random.nextInt(3);
        for (int f = 0; f < flips; f++) {
          d[random.nextInt(d.length)] = (byte) random.nextInt(256);
        }
        tried++;
        if (sameOnBothPaths(d)) {
          readDirect++;
        }
      }
    }
    assertThat(tried).isGreaterThan(2000);
    assertThat(readDirect).isGreaterThan(0);
  }

  private static byte[] wrapSpan(byte[] span) throws Exception {
    byte[] scope = field(2, span);
    byte[] rs = concat(field(1, RESOURCE.toByteArray()), field(2, scope));
    return field(1, rs);
  }

  private static byte[] field(int number, byte[] value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeByteArray(number, value);
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] varintField(int number, long value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeUInt64(number, value);
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
