package io.meshlens.ingest.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.decode.DecodeFailure;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.DecoderLimits;
import io.meshlens.ingest.decode.FailureReason;
import io.meshlens.testdata.RealData;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Bad access log messages fail with the right reason and never throw. */
class AccessLogDecoderBadInputTest {

  private static final String TYPED_LINE =
      RealData.read("public_examples__istio_json_access_log_lines.jsonl").lines().findFirst().get();

  private final AccessLogDecoder decoder = new AccessLogDecoder();

  private DecodeResult<List<AccessLogRecord>> decode(String s) {
    return decoder.decode(s.getBytes(StandardCharsets.UTF_8), "");
  }

  @Test
  void emptyAndBlankMessagesAreEmpty() {
    assertThat(decoder.decode(new byte[0]).reason()).isEqualTo(FailureReason.EMPTY);
    assertThat(decode(" \n\t\n").reason()).isEqualTo(FailureReason.EMPTY);
    assertThat(decode("{\"log\":\"\\n\",\"kubernetes\":{}}").reason())
        .isEqualTo(FailureReason.EMPTY);
  }

  @Test
  void garbageBytesAreAnUnsupportedFormat() {
    DecodeResult<List<AccessLogRecord>> r = decoder.decode(new byte[] {0, 1, 2, (byte) 0xff});
    assertThat(r.reason()).isEqualTo(FailureReason.UNSUPPORTED_FORMAT);
    assertThat(r.message()).startsWith("not an access log line in a supported format");
  }

  @Test
  void randomBytesNeverThrow() {
    SplittableRandom random = new SplittableRandom(11);
    String alphabet = "[]{}\"\\:,- 0123456789abcZT.\n\t";
    for (int i = 0; i < 3000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = 1 + random.nextInt(200);
      for (int j = 0; j < n; j++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      DecodeResult<List<AccessLogRecord>> r = decode(sb.toString());
      assertThat(r.isOk() || r.failure() != null).isTrue();
    }
  }

  @Test
  void gzipCompressedLineIsAnUnknownEncoding() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(TYPED_LINE.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(decoder.decode(out.toByteArray()).reason())
        .isEqualTo(FailureReason.UNKNOWN_ENCODING);
  }

  @Test
  void truncatedJsonIsADecodeError() {
    DecodeResult<List<AccessLogRecord>> r = decode(TYPED_LINE.substring(0, 200));
    assertThat(r.reason()).isEqualTo(FailureReason.DECODE_ERROR);
    assertThat(r.message()).startsWith("not valid JSON: Unexpected end-of-input");
  }

  @Test
  void jsonOfAnotherShapeIsWrongShape() {
    DecodeResult<List<AccessLogRecord>> r = decode("{\"level\":\"info\",\"msg\":\"hello\"}");
    assertThat(r.reason()).isEqualTo(FailureReason.WRONG_SHAPE);
    assertThat(r.message())
        .isEqualTo(
            "JSON object with neither Istio access log fields (start_time, method, response_code,"
                + " ...) nor a forwarder's \"log\" field: {\"level\":\"info\",\"msg\":\"hello\"}");
  }

  @Test
  void badStartTimeIsAnInvalidTimestamp() {
    DecodeResult<List<AccessLogRecord>> r =
        decode(TYPED_LINE.replace("2021-08-29T10:19:39.660Z", "yesterday"));
    assertThat(r.reason()).isEqualTo(FailureReason.INVALID_TIMESTAMP);
    assertThat(r.message()).isEqualTo("start_time \"yesterday\" is not RFC 3339");
    assertThat(decode("[2021-02-30T00:00:00.000Z] \"GET / HTTP/1.1\" 200").reason())
        .isEqualTo(FailureReason.INVALID_TIMESTAMP);
  }

  @Test
  void textLineWithTheWrongNumberOfFieldsIsUnsupported() {
    DecodeResult<List<AccessLogRecord>> r =
        decode("[2021-08-29T10:19:39.660Z] \"GET / HTTP/1.1\" 200 - 0 0");
    assertThat(r.reason()).isEqualTo(FailureReason.UNSUPPORTED_FORMAT);
    assertThat(r.message())
        .startsWith(
            "5 fields, which is not Istio's default TEXT format (21 fields since Istio 1.9): ");
  }

  @Test
  void plainApplicationLogIsUnsupported() {
    DecodeResult<List<AccessLogRecord>> r = decode("2024-01-01 12:00:00 INFO started in 3s");
    assertThat(r.reason()).isEqualTo(FailureReason.UNSUPPORTED_FORMAT);
  }

  @Test
  void oversizeLineIsRejectedAndTheOtherLinesKept() {
    AccessLogDecoder small = new AccessLogDecoder(new DecoderLimits(1 << 20, 2000));
    String huge = TYPED_LINE.replace("/reviews/0", "/" + "x".repeat(5000));
    DecodeResult<List<AccessLogRecord>> r =
        small.decode(
            (TYPED_LINE + "\n" + huge + "\n" + TYPED_LINE).getBytes(StandardCharsets.UTF_8));
    assertThat(r.value()).hasSize(2);
    assertThat(r.rejected())
        .containsExactly(
            new DecodeFailure(
                FailureReason.OVERSIZED,
                "line of " + huge.length() + " characters exceeds the limit of 2000",
                1));
    DecodeResult<List<AccessLogRecord>> alone = small.decode(huge.getBytes(StandardCharsets.UTF_8));
    assertThat(alone.reason()).isEqualTo(FailureReason.OVERSIZED);
  }

  @Test
  void oversizeMessageIsRejectedBeforeReading() {
    AccessLogDecoder small = new AccessLogDecoder(new DecoderLimits(100, 100));
    byte[] big = new byte[101];
    Arrays.fill(big, (byte) 'a');
    assertThat(small.decode(big).message())
        .isEqualTo("message of 101 bytes exceeds the limit of 100");
  }

  @Test
  void badLineAmongGoodOnesIsListedWithItsIndex() {
    DecodeResult<List<AccessLogRecord>> r = decode(TYPED_LINE + "\n{\"oops\": \n" + TYPED_LINE);
    assertThat(r.value()).hasSize(2);
    assertThat(r.rejected()).hasSize(1);
    assertThat(r.rejected().get(0).item()).isEqualTo(1);
    assertThat(r.rejected().get(0).reason()).isEqualTo(FailureReason.DECODE_ERROR);
  }

  @Test
  void messageWhereEveryLineIsBadFailsWithTheFirstReason() {
    DecodeResult<List<AccessLogRecord>> r = decode("nope\n[bad");
    assertThat(r.reason()).isEqualTo(FailureReason.UNSUPPORTED_FORMAT);
    assertThat(r.message())
        .startsWith("all 2 lines rejected; first: unsupported_format (item 0): ");
  }

  @Test
  void ztunnelLineOfAnotherTargetIsUnsupported() {
    DecodeResult<List<AccessLogRecord>> r =
        decode("2024-04-12T10:17:44.080629Z\tinfo\txds\tconnected to istiod");
    assertThat(r.reason()).isEqualTo(FailureReason.UNSUPPORTED_FORMAT);
    assertThat(r.message()).startsWith("tab-separated log line that is not a ztunnel access line");
  }
}
