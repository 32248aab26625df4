package io.meshlens.ingest.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.decode.UpstreamCluster;
import io.meshlens.testdata.RealData;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Access log lines from real Istio proxies (shared/data/real, see PROVENANCE.md). */
class AccessLogDecoderRealDataTest {

  private static final String JSONL = "public_examples__istio_json_access_log_lines.jsonl";
  private static final String WAYPOINT = "kiali__tests_data_logs_waypoint.log";
  private static final String ZTUNNEL = "kiali__tests_data_logs_ztunnel.log";

  private final AccessLogDecoder decoder = new AccessLogDecoder();

  private static long millis(String iso) {
    return Instant.parse(iso).toEpochMilli();
  }

  private static List<String> lines(String file) {
    return RealData.read(file).lines().toList();
  }

  private AccessLogRecord one(String line) {
    DecodeResult<List<AccessLogRecord>> r =
        decoder.decode(line.getBytes(StandardCharsets.UTF_8), "kind-1");
    assertThat(r.failure()).isNull();
    assertThat(r.value()).hasSize(1);
    return r.value().get(0);
  }

  @Test
  void typedJsonLineOfASidecarCallToReviews() {
    String line = lines(JSONL).get(0);
    assertThat(one(line))
        .isEqualTo(
            new AccessLogRecord(
                AccessLogFormat.ISTIO_JSON,
                millis("2021-08-29T10:19:39.660Z"),
                "GET",
                "/reviews/0",
                "HTTP/1.1",
                200,
                "-",
                "via_upstream",
                "",
                "",
                0,
                295,
                8,
                8L,
                "",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like"
                    + " Gecko) Chrome/92.0.4515.131 Safari/537.36",
                "6f867212-d7cf-4c68-9468-6fbc5f927335",
                "reviews:9080",
                "10.1.0.227:9080",
                new UpstreamCluster(
                    "outbound|9080||reviews.default.svc.cluster.local",
                    Direction.OUTBOUND,
                    9080,
                    "",
                    "reviews.default.svc.cluster.local",
                    "reviews",
                    "default"),
                "10.1.0.223:34460",
                "10.110.231.110:9080",
                "10.1.0.223:42980",
                "",
                "default",
                "",
                "",
                "",
                "",
                "kind-1",
                Map.of(),
                line));
  }

  @Test
  void typedJsonLineWithoutHealthyUpstreamHasNoUpstreamServiceTime() {
    AccessLogRecord r = one(lines(JSONL).get(1));
    assertThat(r.startTimeMillis()).isEqualTo(millis("2022-12-15T03:49:38.504Z"));
    assertThat(r.responseCode()).isEqualTo(503);
    assertThat(r.responseFlags()).isEqualTo("UH");
    assertThat(r.responseCodeDetails()).isEqualTo("no_healthy_upstream");
    assertThat(r.upstreamServiceTimeMs()).isNull();
    assertThat(r.upstreamHost()).isEmpty();
    assertThat(r.upstreamLocalAddress()).isEmpty();
    assertThat(r.routeName()).isEqualTo("default");
    assertThat(r.bytesSent()).isEqualTo(19);
    assertThat(r.durationMs()).isZero();
    assertThat(r.requestId()).isEqualTo("4b39f4ca-ffe3-9c6a-a202-0650b0eea8ef");
    assertThat(r.userAgent()).isEqualTo("curl/7.86.0-DEV");
    assertThat(r.authority()).isEqualTo("envoydummy.chapter11");
    assertThat(r.destinationService()).isEqualTo("envoydummy");
    assertThat(r.destinationNamespace()).isEqualTo("chapter11");
    assertThat(r.destinationPort()).isEqualTo(80);
    assertThat(r.downstreamRemoteAddress()).isEqualTo("172.17.0.8:52180");
  }

  @Test
  void typedJsonLineOfAGatewayKeepsForwardedForAndNullRoute() {
    AccessLogRecord r = one(lines(JSONL).get(2));
    assertThat(r.startTimeMillis()).isEqualTo(millis("2021-05-30T18:50:42.181Z"));
    assertThat(r.path()).isEqualTo("/wrongpath");
    assertThat(r.responseCode()).isEqualTo(404);
    assertThat(r.routeName()).isEmpty();
    assertThat(r.xForwardedFor()).isEqualTo("172.17.0.1");
    assertThat(r.upstreamServiceTimeMs()).isEqualTo(2L);
    assertThat(r.durationMs()).isEqualTo(3);
    assertThat(r.destinationService()).isEqualTo("frontend");
    assertThat(r.destinationNamespace()).isEqualTo("online-boutique");
    assertThat(r.direction()).isEqualTo(Direction.OUTBOUND);
    assertThat(r.authority()).isEqualTo("127.0.0.1");
  }

  @Test
  void legacyAllStringsLineReadsNumbersAndDashesAsAbsent() {
    AccessLogRecord r = one(lines(JSONL).get(3));
    assertThat(r.format()).isEqualTo(AccessLogFormat.ISTIO_JSON);
    assertThat(r.startTimeMillis()).isEqualTo(millis("2020-05-15T06:30:26.480Z"));
    assertThat(r.responseCode()).isEqualTo(200);
    assertThat(r.bytesReceived()).isZero();
    assertThat(r.bytesSent()).isEqualTo(379);
    assertThat(r.durationMs()).isEqualTo(1787);
    assertThat(r.upstreamServiceTimeMs()).isEqualTo(1786L);
    assertThat(r.responseFlags()).isEqualTo("-");
    assertThat(r.xForwardedFor()).isEmpty();
    assertThat(r.requestedServerName()).isEmpty();
    assertThat(r.upstreamTransportFailureReason()).isEmpty();
    assertThat(r.responseCodeDetails()).isEmpty();
    assertThat(r.userAgent()).isEqualTo("curl/7.47.0");
    assertThat(r.upstreamHost()).isEqualTo("10.40.0.11:9080");
    assertThat(r.destinationService()).isEqualTo("reviews");
    assertThat(r.extra()).containsExactly(Map.entry("istio_policy_status", ""));
  }

  @Test
  void wholeJsonlFileAsOneMessageGivesFourRecordsInOrder() {
    DecodeResult<List<AccessLogRecord>> r = decoder.decode(RealData.bytes(JSONL));
    assertThat(r.rejected()).isEmpty();
    assertThat(r.value())
        .extracting(AccessLogRecord::responseCode, AccessLogRecord::durationMs)
        .containsExactly(tuple(200, 8L), tuple(503, 0L), tuple(404, 3L), tuple(200, 1787L));
    assertThat(r.value()).extracting(AccessLogRecord::cluster).containsOnly("");
  }

  @Test
  void waypointTextLinesWithKubectlTimestampsDecodeEveryField() {
    DecodeResult<List<AccessLogRecord>> r = decoder.decode(RealData.bytes(WAYPOINT));
    assertThat(r.rejected()).isEmpty();
    List<AccessLogRecord> records = r.value();
    assertThat(records)
        .extracting(
            a -> Instant.ofEpochMilli(a.startTimeMillis()).toString(),
            AccessLogRecord::path,
            AccessLogRecord::bytesSent,
            AccessLogRecord::durationMs,
            AccessLogRecord::upstreamServiceTimeMs,
            AccessLogRecord::requestId,
            AccessLogRecord::upstreamHost,
            AccessLogRecord::destinationService,
            AccessLogRecord::downstreamRemoteAddress)
        .containsExactly(
            tuple(
                "2025-01-30T12:10:13.279Z",
                "/details/0",
                178L,
                0L,
                0L,
                "e7d5b6ce-5f7f-9731-8471-ca5bcd650a72",
                "envoy://connect_originate/10.244.0.32:9080",
                "details",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:16.279Z",
                "/details/0",
                178L,
                0L,
                0L,
                "980435c4-7a97-9b78-96c9-dfa19ef8aacc",
                "envoy://connect_originate/10.244.0.32:9080",
                "details",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:16.283Z",
                "/ratings/0",
                48L,
                2L,
                2L,
                "980435c4-7a97-9b78-96c9-dfa19ef8aacc",
                "envoy://connect_originate/10.244.0.41:9080",
                "ratings",
                "10.244.0.35:36718"),
            tuple(
                "2025-01-30T10:53:16.282Z",
                "/reviews/0",
                442L,
                4L,
                4L,
                "980435c4-7a97-9b78-96c9-dfa19ef8aacc",
                "envoy://connect_originate/10.244.0.35:9080",
                "reviews",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:16.275Z",
                "/productpage",
                9481L,
                13L,
                13L,
                "980435c4-7a97-9b78-96c9-dfa19ef8aacc",
                "10.244.0.39:80",
                "bookinfo-gateway-istio",
                "10.244.0.45:52652"),
            tuple(
                "2025-01-30T10:53:17.280Z",
                "/details/0",
                178L,
                0L,
                0L,
                "e615c813-c295-9960-b327-a30483a5a57d",
                "envoy://connect_originate/10.244.0.32:9080",
                "details",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:17.283Z",
                "/reviews/0",
                358L,
                0L,
                0L,
                "e615c813-c295-9960-b327-a30483a5a57d",
                "envoy://connect_originate/10.244.0.34:9080",
                "reviews",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:17.275Z",
                "/productpage",
                9429L,
                11L,
                11L,
                "e615c813-c295-9960-b327-a30483a5a57d",
                "10.244.0.39:80",
                "bookinfo-gateway-istio",
                "10.244.0.45:52652"),
            tuple(
                "2025-01-30T10:53:18.279Z",
                "/details/0",
                178L,
                0L,
                0L,
                "900b8b64-c996-9e9e-a98c-2f3536875c96",
                "envoy://connect_originate/10.244.0.32:9080",
                "details",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:18.284Z",
                "/ratings/0",
                48L,
                2L,
                1L,
                "900b8b64-c996-9e9e-a98c-2f3536875c96",
                "envoy://connect_originate/10.244.0.43:9080",
                "ratings",
                "10.244.0.36:36722"),
            tuple(
                "2025-01-30T10:53:18.282Z",
                "/reviews/0",
                438L,
                4L,
                4L,
                "900b8b64-c996-9e9e-a98c-2f3536875c96",
                "envoy://connect_originate/10.244.0.36:9080",
                "reviews",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:18.275Z",
                "/productpage",
                15068L,
                13L,
                13L,
                "900b8b64-c996-9e9e-a98c-2f3536875c96",
                "10.244.0.39:80",
                "bookinfo-gateway-istio",
                "10.244.0.45:52652"),
            tuple(
                "2025-01-30T10:53:19.279Z",
                "/details/0",
                178L,
                1L,
                0L,
                "416f71e0-5d2e-9f92-a5b1-6527d2b7e06b",
                "envoy://connect_originate/10.244.0.32:9080",
                "details",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:19.288Z",
                "/ratings/0",
                48L,
                1L,
                1L,
                "416f71e0-5d2e-9f92-a5b1-6527d2b7e06b",
                "envoy://connect_originate/10.244.0.33:9080",
                "ratings",
                "10.244.0.35:36718"),
            tuple(
                "2025-01-30T10:53:19.285Z",
                "/reviews/0",
                442L,
                6L,
                5L,
                "416f71e0-5d2e-9f92-a5b1-6527d2b7e06b",
                "envoy://connect_originate/10.244.0.35:9080",
                "reviews",
                "10.244.0.37:52134"),
            tuple(
                "2025-01-30T10:53:19.275Z",
                "/productpage",
                15072L,
                21L,
                20L,
                "416f71e0-5d2e-9f92-a5b1-6527d2b7e06b",
                "10.244.0.39:80",
                "bookinfo-gateway-istio",
                "10.244.0.45:52652"));
    assertThat(records)
        .extracting(AccessLogRecord::format)
        .containsOnly(AccessLogFormat.ISTIO_TEXT);
    assertThat(records).extracting(AccessLogRecord::method).containsOnly("GET");
    assertThat(records).extracting(AccessLogRecord::protocol).containsOnly("HTTP/1.1");
    assertThat(records).extracting(AccessLogRecord::responseCode).containsOnly(200);
    assertThat(records).extracting(AccessLogRecord::responseFlags).containsOnly("-");
    assertThat(records)
        .extracting(AccessLogRecord::responseCodeDetails)
        .containsOnly("via_upstream");
    assertThat(records).extracting(AccessLogRecord::direction).containsOnly(Direction.INBOUND);
    assertThat(records).extracting(AccessLogRecord::destinationNamespace).containsOnly("bookinfo");
    assertThat(records).extracting(AccessLogRecord::routeName).containsOnly("default");
    assertThat(records).extracting(AccessLogRecord::requestedServerName).containsOnly("");
    assertThat(records).extracting(AccessLogRecord::xForwardedFor).containsOnly("");
  }

  @Test
  void waypointLineWithAndWithoutTheKubectlPrefixIsTheSameRecord() {
    for (String line : lines(WAYPOINT)) {
      String bare = line.substring(line.indexOf(' ') + 1);
      AccessLogRecord prefixed = one(line);
      assertThat(one(bare)).isEqualTo(prefixed);
      assertThat(prefixed.raw()).isEqualTo(bare);
    }
  }

  @Test
  void waypointGatewayLineNamesTheGatewayServiceAndAddresses() {
    AccessLogRecord r = one(lines(WAYPOINT).get(4));
    assertThat(r.authority()).isEqualTo("bookinfo-gateway-istio.bookinfo");
    assertThat(r.userAgent()).isEqualTo("Go-http-client/1.1");
    assertThat(r.upstreamCluster())
        .isEqualTo(
            new UpstreamCluster(
                "inbound-vip|80|http|bookinfo-gateway-istio.bookinfo.svc.cluster.local",
                Direction.INBOUND,
                80,
                "",
                "bookinfo-gateway-istio.bookinfo.svc.cluster.local",
                "bookinfo-gateway-istio",
                "bookinfo"));
    assertThat(r.upstreamLocalAddress()).isEqualTo("10.244.0.44:58916");
    assertThat(r.downstreamLocalAddress()).isEqualTo("10.102.76.216:80");
    assertThat(r.bytesReceived()).isZero();
  }

  @Test
  void ztunnelLinesAreParsedWithPeersInExtra() {
    DecodeResult<List<AccessLogRecord>> r = decoder.decode(RealData.bytes(ZTUNNEL), "kind-1");
    assertThat(r.rejected()).isEmpty();
    List<AccessLogRecord> records = r.value();
    assertThat(records).hasSize(28);
    assertThat(records).extracting(AccessLogRecord::format).containsOnly(AccessLogFormat.ZTUNNEL);
    assertThat(records.stream().filter(a -> a.direction() == Direction.OUTBOUND)).hasSize(15);
    assertThat(records.stream().filter(a -> a.direction() == Direction.INBOUND)).hasSize(13);

    AccessLogRecord first = records.get(0);
    assertThat(first.startTimeMillis()).isEqualTo(millis("2024-04-12T10:17:44.080Z"));
    assertThat(first.downstreamRemoteAddress()).isEqualTo("10.244.0.16:52008");
    assertThat(first.upstreamHost()).isEqualTo("10.244.0.14:15008");
    assertThat(first.upstreamCluster())
        .isEqualTo(
            new UpstreamCluster(
                "",
                Direction.OUTBOUND,
                0,
                "",
                "reviews.bookinfo.svc.cluster.local",
                "reviews",
                "bookinfo"));
    assertThat(first.bytesSent()).isEqualTo(200);
    assertThat(first.bytesReceived()).isEqualTo(603);
    assertThat(first.durationMs()).isEqualTo(2);
    assertThat(first.responseCode()).isZero();
    assertThat(first.cluster()).isEqualTo("kind-1");
    assertThat(first.extra())
        .containsEntry("src.workload", "productpage-v1-87d54dd59-fzflt")
        .containsEntry("src.namespace", "bookinfo")
        .containsEntry("src.identity", "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage")
        .containsEntry("dst.workload", "reviews-v2-6f9b55c5db-vnpzr")
        .containsEntry("dst.identity", "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews")
        .containsEntry("message", "connection complete");

    AccessLogRecord inbound = records.get(1);
    assertThat(inbound.direction()).isEqualTo(Direction.INBOUND);
    assertThat(inbound.destinationPort()).isEqualTo(9080);
    assertThat(inbound.destinationService()).isEqualTo("productpage");
    assertThat(inbound.extra()).containsEntry("dst.hbone_addr", "10.244.0.16:9080");

    AccessLogRecord last = records.get(27);
    assertThat(last.startTimeMillis()).isEqualTo(millis("2024-07-02T13:41:05.674Z"));
    assertThat(last.durationMs()).isEqualTo(10);
    assertThat(last.bytesSent()).isEqualTo(5479);
    assertThat(last.extra())
        .containsEntry("src.workload", "bookinfo-gateway-istio-84f7759775-mlbbh");
  }
}
