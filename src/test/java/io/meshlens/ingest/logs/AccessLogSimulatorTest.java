package io.meshlens.ingest.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.spans.SimulatedMesh;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every line the simulated log forwarders put on the access log topic decodes. */
class AccessLogSimulatorTest {

  private final SimulatedMesh mesh = SimulatedMesh.get();
  private final AccessLogDecoder decoder = new AccessLogDecoder();

  @Test
  void everyLineDecodesWithItsClusterFromTheHint() {
    long decoded = 0;
    long fluentBit = 0;
    long tcp = 0;
    for (int i = 0; i < mesh.accessLogLines.size(); i++) {
      String line = mesh.accessLogLines.get(i);
      String cluster = mesh.accessLogLineClusters.get(i);
      DecodeResult<List<AccessLogRecord>> r =
          decoder.decode(line.getBytes(StandardCharsets.UTF_8), cluster);
      assertThat(r.failure()).as(line).isNull();
      AccessLogRecord a = r.value().get(0);
      assertThat(a.cluster()).isEqualTo(cluster);
      assertThat(a.format()).isEqualTo(AccessLogFormat.ISTIO_JSON);
      if (a.method().isEmpty()) {
        // A TCP connection: no request, only bytes.
        tcp++;
        assertThat(a.requestId()).isEmpty();
        assertThat(a.responseCode()).isZero();
        assertThat(a.bytesReceived() + a.bytesSent()).isPositive();
      } else {
        assertThat(a.requestId()).hasSize(36);
        assertThat(a.protocol()).startsWith("HTTP/");
      }
      assertThat(a.direction()).isNotEqualTo(Direction.UNKNOWN);
      assertThat(a.destinationPort()).isPositive();
      assertThat(a.startTimeMillis()).isGreaterThanOrEqualTo(SimulatedMesh.START.toEpochMilli());
      if (line.startsWith("{\"time\"")) {
        fluentBit++;
        assertThat(a.namespace()).isNotEmpty();
        assertThat(a.pod()).startsWith(a.extra().get("k8s.pod.label.app"));
        assertThat(a.extra()).containsEntry("k8s.container.name", "istio-proxy");
      } else {
        assertThat(a.namespace()).isEmpty();
        assertThat(a.extra()).containsKey("istio_policy_status");
      }
      decoded += r.value().size();
    }
    assertThat(decoded).isEqualTo(mesh.truth().accessLogLinesEmitted()).isPositive();
    assertThat(fluentBit).isPositive().isLessThan(decoded);
    assertThat(tcp).isPositive();
  }

  @Test
  void allLinesInOneMessageDecodeToTheSameRecords() {
    String all = String.join("\n", mesh.accessLogLines.subList(0, 500));
    DecodeResult<List<AccessLogRecord>> r = decoder.decode(all.getBytes(StandardCharsets.UTF_8));
    assertThat(r.rejected()).isEmpty();
    assertThat(r.value()).hasSize(500);
    for (int i = 0; i < 500; i++) {
      AccessLogRecord single =
          decoder
              .decode(mesh.accessLogLines.get(i).getBytes(StandardCharsets.UTF_8))
              .value()
              .get(0);
      assertThat(r.value().get(i)).isEqualTo(single);
    }
  }
}
