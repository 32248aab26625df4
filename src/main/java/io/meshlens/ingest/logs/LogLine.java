package io.meshlens.ingest.logs;

import java.util.Map;

/**
 * An OTLP log record that is not an access log: application and proxy logs shipped through the
 * Collector, kept for log search with the identity of the pod that wrote them.
 *
 * <p>Text fields are never {@code null}; {@code ""} means absent.
 *
 * @param timeNanos when the event happened (Unix epoch nanoseconds): the record's time, else its
 *     observed time
 * @param observedTimeNanos when the Collector saw it, 0 when not set
 * @param severityNumber OTLP severity number (1-24, 0 unspecified)
 * @param severityText severity as the source wrote it
 * @param body the body as text (non-string bodies as JSON, see {@code AttributeText})
 * @param attributes record attributes as text, in their order
 * @param resourceAttributes resource attributes as text, in their order (shared per resource)
 * @param traceId 32 lower-case hex digits, or {@code ""}
 * @param spanId 16 lower-case hex digits, or {@code ""}
 * @param serviceName resource attribute {@code service.name}
 * @param scopeName instrumentation scope name
 * @param eventName OTLP event name, usually empty
 * @param namespace {@code k8s.namespace.name} (resource, then record attribute), else from an Envoy
 *     node id
 * @param pod {@code k8s.pod.name}, same sources
 * @param cluster {@code k8s.cluster.name}, else the caller's hint
 */
public record LogLine(
    long timeNanos,
    long observedTimeNanos,
    int severityNumber,
    String severityText,
    String body,
    Map<String, String> attributes,
    Map<String, String> resourceAttributes,
    String traceId,
    String spanId,
    String serviceName,
    String scopeName,
    String eventName,
    String namespace,
    String pod,
    String cluster) {}
