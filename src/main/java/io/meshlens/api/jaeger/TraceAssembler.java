package io.meshlens.api.jaeger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.api.jaeger.JaegerJson.KeyValue;
import io.meshlens.api.jaeger.JaegerJson.Process;
import io.meshlens.api.jaeger.JaegerJson.Reference;
import io.meshlens.api.jaeger.JaegerJson.Span;
import io.meshlens.api.jaeger.JaegerJson.Trace;
import io.meshlens.store.spans.StoredSpan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds Jaeger's trace JSON from the spans the store returns, applying peer privacy (DESIGN.md,
 * "Tenancy model"): a span the store marks {@link StoredSpan#foreign} (its tenant is outside the
 * caller's scope) keeps its ids, parent reference, start and duration, so the tree and the timing
 * stay intact, but loses its operation name ({@value #REDACTED}), tags and logs; its process names
 * only the owning tenant (tenants see their peers' tenant names), with tags {@code meshlens.tenant}
 * and {@code meshlens.redacted=true}, and the span carries a warning saying why.
 *
 * <p>Tags of a visible span: its stored attributes (strings), then what Jaeger's OTLP translation
 * adds: {@code span.kind}, {@code otel.status_code} and {@code error=true} for an error status.
 * Process tags: {@code meshlens.tenant}, {@code meshlens.cluster}, {@code meshlens.namespace}.
 */
final class TraceAssembler {

  static final String REDACTED = "redacted";
  static final String TENANT_TAG = "meshlens.tenant";
  static final String CLUSTER_TAG = "meshlens.cluster";
  static final String NAMESPACE_TAG = "meshlens.namespace";
  static final String REDACTED_TAG = "meshlens.redacted";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final boolean redactForeign;

  /**
   * @param redactForeign whether foreign spans are redacted ({@code
   *     meshlens.privacy.redact-foreign-spans}); when {@code false} they are shown in full
   */
  TraceAssembler(boolean redactForeign) {
    this.redactForeign = redactForeign;
  }

  /** One trace from all its stored spans (non-empty, in the store's start order). */
  Trace trace(List<StoredSpan> spans) {
    if (spans.isEmpty()) {
      throw new IllegalArgumentException("a trace needs at least one span");
    }
    String traceId = TraceIds.toJaeger(spans.get(0).traceId());
    Map<Process, String> processIds = new LinkedHashMap<>();
    List<Span> out = new ArrayList<>(spans.size());
    for (StoredSpan s : spans) {
      boolean redact = redactForeign && s.foreign();
      Process process = redact ? redactedProcess(s) : process(s);
      String processId = processIds.computeIfAbsent(process, p -> "p" + (processIds.size() + 1));
      List<Reference> refs =
          s.isRoot() ? List.of() : List.of(Reference.childOf(traceId, s.parentSpanId()));
      out.add(
          new Span(
              traceId,
              s.spanId(),
              redact ? REDACTED : s.operation(),
              refs,
              s.startMicros(),
              s.durationMicros(),
              redact ? List.of() : tags(s),
              List.of(),
              processId,
              redact
                  ? List.of(
                      "redacted: this span belongs to tenant '"
                          + s.tenant()
                          + "', outside the caller's scope")
                  : null));
    }
    Map<String, Process> processes = new LinkedHashMap<>();
    processIds.forEach((p, id) -> processes.put(id, p));
    return new Trace(traceId, out, processes, null);
  }

  private static Process process(StoredSpan s) {
    List<KeyValue> tags = new ArrayList<>(3);
    tags.add(KeyValue.string(TENANT_TAG, s.tenant()));
    if (!s.cluster().isEmpty()) {
      tags.add(KeyValue.string(CLUSTER_TAG, s.cluster()));
    }
    if (!s.namespace().isEmpty()) {
      tags.add(KeyValue.string(NAMESPACE_TAG, s.namespace()));
    }
    // OTel's default for a resource without service.name.
    return new Process(s.service().isEmpty() ? "unknown_service" : s.service(), List.copyOf(tags));
  }

  private static Process redactedProcess(StoredSpan s) {
    return new Process(
        s.tenant(),
        List.of(KeyValue.string(TENANT_TAG, s.tenant()), KeyValue.bool(REDACTED_TAG, true)));
  }

  static List<KeyValue> tags(StoredSpan s) {
    List<KeyValue> tags = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    JsonNode attributes;
    try {
      attributes = JSON.readTree(s.attributesJson());
    } catch (JsonProcessingException e) {
      // The store only holds JSON it produced from a Map<String, String>.
      throw new IllegalStateException("stored attributes of span " + s.spanId() + " are not JSON");
    }
    if (attributes != null && attributes.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = attributes.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        JsonNode v = f.getValue();
        tags.add(KeyValue.string(f.getKey(), v.isValueNode() ? v.asText() : v.toString()));
        keys.add(f.getKey());
      }
    }
    if (!s.kind().isEmpty() && !s.kind().equals("unspecified") && keys.add("span.kind")) {
      tags.add(KeyValue.string("span.kind", s.kind()));
    }
    switch (s.status()) {
      case "error" -> {
        if (keys.add("otel.status_code")) {
          tags.add(KeyValue.string("otel.status_code", "ERROR"));
        }
        if (keys.add("error")) {
          tags.add(KeyValue.bool("error", true));
        }
      }
      case "ok" -> {
        if (keys.add("otel.status_code")) {
          tags.add(KeyValue.string("otel.status_code", "OK"));
        }
      }
      default -> {}
    }
    return tags;
  }
}
