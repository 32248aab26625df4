package io.meshlens.ingest.spans;

import static io.meshlens.ingest.spans.SimulatedMesh.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshlens.ingest.decode.DecodeFailure;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.DecoderLimits;
import io.meshlens.ingest.decode.FailureReason;
import io.meshlens.ingest.decode.PayloadEncoding;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Bad messages fail with the right reason and never throw. */
class SpanDecoderBadInputTest {

  private final SpanDecoder decoder = new SpanDecoder();

  private static final String GOOD_SPAN =
      "{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
          + "\"name\":\"s\",\"kind\":2}";

  private static byte[] request(String... spans) {
    return utf8(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" + String.join(",", spans) + "]}]}]}");
  }

  private static Span span(ByteString traceId, ByteString spanId) {
    return Span.newBuilder().setTraceId(traceId).setSpanId(spanId).setName("op").build();
  }

  private static byte[] protoRequest(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build()
        .toByteArray();
  }

  private static ByteString bytes(int n, int fill) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) fill);
    return ByteString.copyFrom(b);
  }

  @Test
  void emptyMessageIsEmpty() {
    assertThat(decoder.decode(new byte[0]).reason()).isEqualTo(FailureReason.EMPTY);
    assertThat(decoder.decode((byte[]) null).reason()).isEqualTo(FailureReason.EMPTY);
  }

  @Test
  void requestWithoutSpansIsEmpty() {
    DecodeResult<List<SpanRecord>> r = decoder.decode(utf8("{\"resourceSpans\":[]}"));
    assertThat(r.reason()).isEqualTo(FailureReason.EMPTY);
    assertThat(r.message()).isEqualTo("no spans in the request");
    assertThat(decoder.decode(ExportTraceServiceRequest.getDefaultInstance().toByteArray()))
        .extracting(DecodeResult::reason)
        .isEqualTo(FailureReason.EMPTY);
  }

  @Test
  void garbageBytesAreADecodeError() {
    DecodeResult<List<SpanRecord>> r = decoder.decode(utf8("this is not protobuf"));
    assertThat(r.reason()).isEqualTo(FailureReason.DECODE_ERROR);
    assertThat(r.message()).startsWith("not an OTLP protobuf ExportTraceServiceRequest: ");
  }

  @Test
  void randomBytesNeverThrowAndNeverYieldSpans() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[1 + random.nextInt(300)];
      for (int j = 0; j < b.length; j++) {
        b[j] = (byte) random.nextInt(256);
      }
      DecodeResult<List<SpanRecord>> r = decoder.decode(b);
      assertThat(r.isOk()).as("random message %d", i).isFalse();
      assertThat(r.reason())
          .isIn(
              FailureReason.DECODE_ERROR,
              FailureReason.EMPTY,
              FailureReason.INVALID_TRACE_ID,
              FailureReason.INVALID_SPAN_ID,
              FailureReason.WRONG_SHAPE);
    }
  }

  @Test
  void truncatedProtobufIsADecodeError() {
    byte[] whole = SimulatedMesh.get().spanProto().get(0);
    DecodeResult<List<SpanRecord>> r = decoder.decode(Arrays.copyOf(whole, whole.length / 2));
    assertThat(r.reason()).isEqualTo(FailureReason.DECODE_ERROR);
    assertThat(r.message())
        .isEqualTo(
            "not an OTLP protobuf ExportTraceServiceRequest: While parsing a protocol message,"
                + " the input ended unexpectedly in the middle of a field.");
  }

  @Test
  void truncatedJsonIsADecodeError() {
    byte[] whole = request(GOOD_SPAN);
    DecodeResult<List<SpanRecord>> r = decoder.decode(Arrays.copyOf(whole, whole.length - 5));
    assertThat(r.reason()).isEqualTo(FailureReason.DECODE_ERROR);
    assertThat(r.message()).startsWith("not valid JSON: Unexpected end-of-input");
  }

  @Test
  void jsonWithTrailingContentIsADecodeError() {
    DecodeResult<List<SpanRecord>> r =
        decoder.decode(
            utf8(new String(request(GOOD_SPAN), java.nio.charset.StandardCharsets.UTF_8) + "{}"));
    assertThat(r.reason()).isEqualTo(FailureReason.DECODE_ERROR);
    assertThat(r.message()).isEqualTo("more content after the JSON object");
  }

  @Test
  void jsonOfAnotherShapeIsWrongShapeWithThePathOfTheField() {
    assertThat(decoder.decode(utf8("{\"foo\": 1}")).message())
        .isEqualTo("no resourceSpans (nor Tempo batches) in the JSON object");
    DecodeResult<List<SpanRecord>> array = decoder.decode(utf8("  {\"resourceSpans\": {}}"));
    assertThat(array.reason()).isEqualTo(FailureReason.WRONG_SHAPE);
    assertThat(array.message()).isEqualTo("resourceSpans: expected an array, found an object");
    DecodeResult<List<SpanRecord>> kind =
        decoder.decode(request(GOOD_SPAN, GOOD_SPAN.replace("\"kind\":2", "\"kind\":\"FAST\"")));
    assertThat(kind.reason()).isEqualTo(FailureReason.WRONG_SHAPE);
    assertThat(kind.message())
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[1].kind: unknown SpanKind value \"FAST\"");
    DecodeResult<List<SpanRecord>> time =
        decoder.decode(request(GOOD_SPAN.replace("}", ",\"startTimeUnixNano\":\"soon\"}")));
    assertThat(time.message())
        .isEqualTo(
            "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: not an unsigned integer:"
                + " \"soon\"");
    assertThat(decoder.decode(utf8("[1, 2]")).message())
        .isEqualTo("expected a JSON object with resourceSpans, found an array");
  }

  @Test
  void jsonIdThatIsNeitherHexNorBase64IsAnInvalidTraceId() {
    DecodeResult<List<SpanRecord>> r =
        decoder.decode(
            request(GOOD_SPAN.replace("5b8efff798038103d269b633813fc60c", "not-an-id!")));
    assertThat(r.reason()).isEqualTo(FailureReason.INVALID_TRACE_ID);
    assertThat(r.message())
        .isEqualTo(
            "resourceSpans[0].scopeSpans[0].spans[0].traceId: \"not-an-id!\" is neither hex nor"
                + " base64");
  }

  @Test
  void spanWithABadIdIsRejectedAloneAndTheOthersAreKept() {
    Span good = span(bytes(16, 1), bytes(8, 2));
    Span shortTrace = span(bytes(8, 1), bytes(8, 3));
    Span zeroSpan = span(bytes(16, 1), bytes(8, 0));
    DecodeResult<List<SpanRecord>> r = decoder.decode(protoRequest(shortTrace, good, zeroSpan));
    assertThat(r.isOk()).isTrue();
    assertThat(r.value()).extracting(SpanRecord::spanId).containsExactly("0202020202020202");
    assertThat(r.rejected())
        .containsExactly(
            new DecodeFailure(
                FailureReason.INVALID_TRACE_ID,
                "span \"op\": trace id \"0101010101010101\" has 8 bytes",
                0),
            new DecodeFailure(
                FailureReason.INVALID_SPAN_ID,
                "span \"op\": span id \"0000000000000000\" has 8 bytes, all zero",
                2));
  }

  @Test
  void messageFailsWhenEverySpanIsInvalid() {
    DecodeResult<List<SpanRecord>> r =
        decoder.decode(protoRequest(span(ByteString.EMPTY, bytes(8, 2))));
    assertThat(r.reason()).isEqualTo(FailureReason.INVALID_TRACE_ID);
    assertThat(r.message()).isEqualTo("span \"op\": trace id is missing");
  }

  @Test
  void allZeroParentIsARootSpan() {
    Span s = span(bytes(16, 1), bytes(8, 2)).toBuilder().setParentSpanId(bytes(8, 0)).build();
    assertThat(decoder.decode(protoRequest(s)).value().get(0).parentSpanId()).isEmpty();
  }

  @Test
  void logsRequestOnTheSpansTopicIsRejectedNotMisread() {
    byte[] logs = SimulatedMesh.get().logProto().get(0);
    DecodeResult<List<SpanRecord>> r = decoder.decode(logs);
    assertThat(r.isOk()).isFalse();
    assertThat(r.reason()).isIn(FailureReason.INVALID_TRACE_ID, FailureReason.DECODE_ERROR);
  }

  @Test
  void oversizeMessageIsRejectedBeforeParsing() {
    SpanDecoder small = new SpanDecoder(new DecoderLimits(100, 100), PayloadEncoding.AUTO);
    DecodeResult<List<SpanRecord>> r = small.decode(new byte[101]);
    assertThat(r.reason()).isEqualTo(FailureReason.OVERSIZED);
    assertThat(r.reason().code()).isEqualTo("oversized");
    assertThat(r.message()).isEqualTo("message of 101 bytes exceeds the limit of 100");
  }

  @Test
  void gzipCompressedPayloadIsAnUnknownEncoding() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(SimulatedMesh.get().spanProto().get(0));
    }
    DecodeResult<List<SpanRecord>> r = decoder.decode(out.toByteArray());
    assertThat(r.reason()).isEqualTo(FailureReason.UNKNOWN_ENCODING);
    assertThat(r.reason().code()).isEqualTo("unknown_encoding");
    assertThat(r.message())
        .isEqualTo("gzip-compressed payload: use Kafka's own compression, not payload compression");
    byte[] zstd = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0, 0};
    assertThat(decoder.decode(zstd).message()).startsWith("zstd-compressed payload");
  }

  @Test
  void deeplyNestedAttributeValueIsRefusedNotAStackOverflow() {
    String deep = "{\"arrayValue\":{\"values\":[".repeat(500) + "]}}".repeat(500);
    String span =
        GOOD_SPAN.replace("}", ",\"attributes\":[{\"key\":\"k\",\"value\":" + deep + "}]}");
    DecodeResult<List<SpanRecord>> r = decoder.decode(request(span));
    assertThat(r.reason()).isEqualTo(FailureReason.DECODE_ERROR);
    assertThat(r.message()).startsWith("JSON beyond limits: Document nesting depth");
  }
}
