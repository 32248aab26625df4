package io.meshlens.store.spans;

import io.meshlens.ingest.spans.SpanRecord;
import java.util.Objects;

/**
 * One span as the span store keeps it: the fields the Jaeger query API needs, plus the tenant that
 * owns it, so that a trace spanning several tenants can be shown with foreign spans redacted.
 *
 * <p>Text fields are never {@code null}; {@code ""} means absent.
 *
 * @param traceId 32 lower-case hex digits
 * @param spanId 16 lower-case hex digits
 * @param parentSpanId 16 hex digits, {@code ""} for a root span
 * @param tenant owner of the span, decided by the caller (attribution)
 * @param service {@code service.name}
 * @param operation operation name
 * @param kind span kind label ({@code server}, {@code client}, ...)
 * @param startMicros start, Unix epoch microseconds
 * @param durationMicros duration in microseconds
 * @param status status label ({@code unset}, {@code ok}, {@code error})
 * @param attributesJson span attributes as a JSON object of strings (as Jackson writes a map)
 * @param cluster cluster of the reporting proxy
 * @param namespace namespace of the reporting proxy
 * @param foreign on read: whether the span belongs to a tenant outside the reader's scope (always
 *     {@code false} on write)
 */
public record StoredSpan(
    String traceId,
    String spanId,
    String parentSpanId,
    String tenant,
    String service,
    String operation,
    String kind,
    long startMicros,
    long durationMicros,
    String status,
    String attributesJson,
    String cluster,
    String namespace,
    boolean foreign) {

  public StoredSpan {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(spanId, "spanId");
    Objects.requireNonNull(parentSpanId, "parentSpanId");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(attributesJson, "attributesJson");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(namespace, "namespace");
  }

  /** The stored form of a decoded span, owned by {@code tenant}. */
  public static StoredSpan of(SpanRecord r, String tenant) {
    return of(r, tenant, r.cluster());
  }

  /**
   * The stored form of a decoded span, owned by {@code tenant}, reported from {@code cluster} (the
   * span's own cluster or, when it does not say, the one its Kafka message names).
   */
  public static StoredSpan of(SpanRecord r, String tenant, String cluster) {
    return new StoredSpan(
        r.traceId(),
        r.spanId(),
        r.parentSpanId(),
        tenant,
        r.serviceName(),
        r.name(),
        r.kind().label(),
        r.startNanos() / 1000,
        r.durationNanos() / 1000,
        r.statusCode().label(),
        JsonStrings.write(r.attributes()),
        cluster,
        r.namespace(),
        false);
  }

  /** Whether the span has no parent. */
  public boolean isRoot() {
    return parentSpanId.isEmpty();
  }

  /** This span with its {@link #foreign} mark set. */
  public StoredSpan withForeign(boolean value) {
    return new StoredSpan(
        traceId,
        spanId,
        parentSpanId,
        tenant,
        service,
        operation,
        kind,
        startMicros,
        durationMicros,
        status,
        attributesJson,
        cluster,
        namespace,
        value);
  }
}
