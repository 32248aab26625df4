package io.meshlens.ingest.spans;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.DecoderLimits;
import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.decode.FailureReason;
import io.meshlens.ingest.decode.NodeId;
import io.meshlens.ingest.decode.PayloadEncoding;
import io.meshlens.ingest.decode.TraceIds;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every span the mesh simulator emits decodes, in both Kafka encodings, matching ground truth. */
class SpanDecoderSimulatorTest {

  private final SimulatedMesh mesh = SimulatedMesh.get();
  private final SpanDecoder decoder = new SpanDecoder();

  private List<SpanRecord> decodeAll(List<byte[]> messages) {
    List<SpanRecord> out = new ArrayList<>();
    for (byte[] m : messages) {
      DecodeResult<List<SpanRecord>> r = decoder.decode(m);
      assertThat(r.failure()).isNull();
      assertThat(r.rejected()).isEmpty();
      out.addAll(r.value());
    }
    return out;
  }

  private List<Span> protoSpans() {
    List<Span> out = new ArrayList<>();
    for (ExportTraceServiceRequest r : mesh.spanRequests) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          out.addAll(ss.getSpansList());
        }
      }
    }
    return out;
  }

  @Test
  void protoMessagesDecodeToExactlyTheSpansEmitted() {
    List<SpanRecord> spans = decodeAll(mesh.spanProto());
    assertThat((long) spans.size()).isEqualTo(mesh.truth().spansEmitted()).isGreaterThan(100);
  }

  @Test
  void spansAttributedByTheirNamespaceMatchGroundTruthPerTenant() {
    Map<String, Long> byTenant = new HashMap<>();
    for (SpanRecord s : decodeAll(mesh.spanProto())) {
      byTenant.merge(mesh.sim.topology().tenantOfNamespace(s.namespace()), 1L, Long::sum);
    }
    assertThat(byTenant).isEqualTo(mesh.truth().spansByTenant());
  }

  @Test
  void idsTimesAndIdentityRoundTripFromTheProtoSpans() {
    List<SpanRecord> spans = decodeAll(mesh.spanProto());
    List<Span> proto = protoSpans();
    assertThat(spans).hasSameSizeAs(proto);
    for (int i = 0; i < proto.size(); i++) {
      Span p = proto.get(i);
      SpanRecord s = spans.get(i);
      assertThat(s.traceId()).isEqualTo(TraceIds.hex(p.getTraceId())).hasSize(32);
      assertThat(s.spanId()).isEqualTo(TraceIds.hex(p.getSpanId())).hasSize(16);
      assertThat(s.parentSpanId()).isEqualTo(TraceIds.hex(p.getParentSpanId()));
      assertThat(s.startNanos()).isEqualTo(p.getStartTimeUnixNano());
      assertThat(s.endNanos()).isEqualTo(p.getEndTimeUnixNano());
      assertThat(s.kind().ordinal()).isEqualTo(p.getKindValue());
      Map<String, String> attrs = new HashMap<>();
      for (KeyValue kv : p.getAttributesList()) {
        attrs.put(kv.getKey(), kv.getValue().getStringValue());
      }
      assertThat(s.namespace()).isEqualTo(attrs.get("istio.namespace")).isNotEmpty();
      assertThat(s.cluster()).isEqualTo(attrs.get("istio.cluster_id")).isNotEmpty();
      assertThat(s.pod()).isEqualTo(NodeId.parse(attrs.get("node_id")).pod()).isNotEmpty();
      assertThat(s.httpStatusCode()).isEqualTo(Integer.parseInt(attrs.get("http.status_code")));
      assertThat(s.requestId()).isEqualTo(attrs.get("guid:x-request-id"));
      assertThat(s.upstreamCluster().name()).isEqualTo(attrs.get("upstream_cluster"));
      assertThat(s.statusCode())
          .isEqualTo(
              p.getStatus().getCodeValue() == 2
                  ? SpanRecord.StatusCode.ERROR
                  : SpanRecord.StatusCode.UNSET);
    }
  }

  @Test
  void clientSpansNameTheirDestinationServiceAndServerSpansAreInbound() {
    for (SpanRecord s : decodeAll(mesh.spanProto())) {
      if (s.kind() == SpanRecord.Kind.CLIENT) {
        assertThat(s.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(s.upstreamCluster().service()).isNotEmpty();
        assertThat(s.upstreamCluster().namespace()).isNotEmpty();
        assertThat(s.name()).startsWith(s.upstreamCluster().host() + ":");
      } else {
        assertThat(s.kind()).isEqualTo(SpanRecord.Kind.SERVER);
        assertThat(s.direction()).isEqualTo(Direction.INBOUND);
      }
    }
  }

  @Test
  void otlpJsonMessagesDecodeToTheSameRecordsAsProto() {
    List<SpanRecord> fromJson = decodeAll(mesh.spanJson());
    assertThat(fromJson).isEqualTo(decodeAll(mesh.spanProto()));
  }

  @Test
  void explicitEncodingsAgreeWithDetection() {
    byte[] proto = mesh.spanProto().get(0);
    byte[] json = mesh.spanJson().get(0);
    SpanDecoder protoOnly = new SpanDecoder(DecoderLimits.DEFAULT, PayloadEncoding.OTLP_PROTO);
    SpanDecoder jsonOnly = new SpanDecoder(DecoderLimits.DEFAULT, PayloadEncoding.OTLP_JSON);
    assertThat(protoOnly.decode(proto).value()).isEqualTo(decoder.decode(proto).value());
    assertThat(jsonOnly.decode(json).value()).isEqualTo(decoder.decode(json).value());
    assertThat(jsonOnly.decode(proto).reason()).isEqualTo(FailureReason.DECODE_ERROR);
  }
}
