package io.meshlens.ingest.spans;

import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.decode.UpstreamCluster;
import java.util.Map;
import java.util.Objects;

/**
 * One span, decoded from OTLP and enriched with the Istio mesh identity of the proxy that reported
 * it, ready to store and to attribute to a tenant.
 *
 * <p>Ids are lower-case hex. Text fields are never {@code null}: {@code ""} means absent. The mesh
 * identity comes from Istio's span attributes, falling back to Kubernetes resource attributes and
 * to Envoy's {@code node_id}; see {@link SpanDecoder} for the precedence.
 *
 * @param traceId 32 hex digits
 * @param spanId 16 hex digits
 * @param parentSpanId 16 hex digits, {@code ""} for a root span
 * @param name operation name (Envoy: {@code <host>:<port>/<path>} or {@code /*})
 * @param kind span kind
 * @param startNanos start, Unix epoch nanoseconds
 * @param endNanos end, Unix epoch nanoseconds
 * @param durationNanos {@code endNanos - startNanos}, 0 when the end is before the start
 * @param statusCode span status
 * @param statusMessage status description, usually empty
 * @param serviceName resource attribute {@code service.name} (Istio: {@code <app>.<namespace>})
 * @param resourceAttributes resource attributes as text, in their order (shared, unmodifiable)
 * @param attributes span attributes as text, in their order (unmodifiable)
 * @param eventsCount number of span events
 * @param linksCount number of span links
 * @param namespace namespace of the reporting proxy
 * @param cluster Istio cluster id of the reporting proxy, {@code ""} when the span does not say
 * @param pod pod of the reporting proxy
 * @param canonicalService {@code istio.canonical_service}
 * @param canonicalRevision {@code istio.canonical_revision}
 * @param meshId {@code istio.mesh_id}
 * @param upstreamCluster the {@code upstream_cluster} attribute, parsed: direction and destination
 *     service, namespace, port and subset
 * @param httpMethod {@code http.method} (or {@code http.request.method})
 * @param httpUrl {@code http.url} (or {@code url.full})
 * @param httpStatusCode {@code http.status_code} (a string in Envoy spans) or {@code
 *     http.response.status_code}; 0 when absent
 * @param responseFlags Envoy response flags, {@code "-"} when none
 * @param requestId {@code guid:x-request-id}, which links the span to access log lines
 */
public record SpanRecord(
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    Kind kind,
    long startNanos,
    long endNanos,
    long durationNanos,
    StatusCode statusCode,
    String statusMessage,
    String serviceName,
    Map<String, String> resourceAttributes,
    Map<String, String> attributes,
    int eventsCount,
    int linksCount,
    String namespace,
    String cluster,
    String pod,
    String canonicalService,
    String canonicalRevision,
    String meshId,
    UpstreamCluster upstreamCluster,
    String httpMethod,
    String httpUrl,
    int httpStatusCode,
    String responseFlags,
    String requestId) {

  public SpanRecord {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(statusCode, "statusCode");
    Objects.requireNonNull(upstreamCluster, "upstreamCluster");
  }

  /** Whether the span has no parent. */
  public boolean isRoot() {
    return parentSpanId.isEmpty();
  }

  /** Direction of the request through the reporting proxy, from its upstream cluster. */
  public Direction direction() {
    return upstreamCluster.direction();
  }

  /** OTLP span kinds. */
  public enum Kind {
    UNSPECIFIED("unspecified"),
    INTERNAL("internal"),
    SERVER("server"),
    CLIENT("client"),
    PRODUCER("producer"),
    CONSUMER("consumer");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** Lower-case name, as Jaeger's {@code span.kind} tag has it. */
    public String label() {
      return label;
    }

    static Kind ofOtlp(int number) {
      return switch (number) {
        case 1 -> INTERNAL;
        case 2 -> SERVER;
        case 3 -> CLIENT;
        case 4 -> PRODUCER;
        case 5 -> CONSUMER;
        default -> UNSPECIFIED;
      };
    }
  }

  /** OTLP span status codes. */
  public enum StatusCode {
    UNSET("unset"),
    OK("ok"),
    ERROR("error");

    private final String label;

    StatusCode(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    static StatusCode ofOtlp(int number) {
      return switch (number) {
        case 1 -> OK;
        case 2 -> ERROR;
        default -> UNSET;
      };
    }
  }
}
