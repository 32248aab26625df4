package io.meshlens.testing;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HexFormat;
import java.util.List;

/** Builds small OTLP trace requests for end-to-end tests, one proxy's spans per request. */
public final class OtlpSpans {

  private OtlpSpans() {}

  /** The resource of one proxy: service, namespace and cluster. */
  public static Resource resource(String service, String namespace, String cluster) {
    return Resource.newBuilder()
        .addAttributes(OtlpMetrics.attr("service.name", service))
        .addAttributes(OtlpMetrics.attr("k8s.namespace.name", namespace))
        .addAttributes(OtlpMetrics.attr("k8s.cluster.name", cluster))
        .build();
  }

  public static ExportTraceServiceRequest request(Resource resource, Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(resource)
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  /**
   * A span under construction; ids in hex, {@code parentId} empty for a root.
   *
   * <pre>{@code
   * span(traceId, "00000000000a0001", "", "GET /checkout", SPAN_KIND_SERVER)
   *     .at(startMicros, 50_000).attrs("http.method", "GET").build()
   * }</pre>
   */
  public static Builder span(
      String traceId, String spanId, String parentId, String name, Span.SpanKind kind) {
    Span.Builder s =
        Span.newBuilder()
            .setTraceId(bytes(traceId))
            .setSpanId(bytes(spanId))
            .setName(name)
            .setKind(kind);
    if (!parentId.isEmpty()) {
      s.setParentSpanId(bytes(parentId));
    }
    return new Builder(s);
  }

  /** Fluent additions to a span under construction. */
  public record Builder(Span.Builder span) {
    public Builder at(long startMicros, long durationMicros) {
      span.setStartTimeUnixNano(startMicros * 1000)
          .setEndTimeUnixNano((startMicros + durationMicros) * 1000);
      return this;
    }

    public Builder attrs(String... keyValues) {
      for (int i = 0; i < keyValues.length; i += 2) {
        span.addAttributes(OtlpMetrics.attr(keyValues[i], keyValues[i + 1]));
      }
      return this;
    }

    public Builder error() {
      span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
      return this;
    }

    public Span build() {
      return span.build();
    }
  }

  private static ByteString bytes(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }
}
