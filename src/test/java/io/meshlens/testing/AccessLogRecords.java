package io.meshlens.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Istio access log lines as a log forwarder (Fluent Bit) ships them, for end-to-end tests. */
public final class AccessLogRecords {

  private static final ObjectMapper JSON = new ObjectMapper();

  private AccessLogRecords() {}

  /**
   * A Fluent Bit record: the line in {@code log}, the pod's Kubernetes metadata and the cluster.
   */
  public static byte[] fluentBit(String line, String namespace, String pod, String cluster) {
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("time", Instant.now().toString());
    record.put("stream", "stdout");
    record.put("log", line);
    record.put("cluster", cluster);
    record.put(
        "kubernetes",
        Map.of("namespace_name", namespace, "pod_name", pod, "container_name", "istio-proxy"));
    try {
      return JSON.writeValueAsBytes(record);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An Istio JSON access log line moved to {@code ms} (its {@code start_time}). */
  public static String retimed(String jsonLine, long ms) {
    return jsonLine.replaceFirst(
        "\"start_time\":\"[^\"]*\"", "\"start_time\":\"" + Instant.ofEpochMilli(ms) + "\"");
  }
}
