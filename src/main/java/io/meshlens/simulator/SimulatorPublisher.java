package io.meshlens.simulator;

import com.google.protobuf.Message;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Publishes a {@link TickOutput} to Kafka the way the Collector {@code kafka} exporter and the log
 * forwarders would: one message per Export*ServiceRequest ({@code otlp_proto} or {@code
 * otlp_json}), one message per access log line. Metrics go as one message per resource keyed by the
 * resource, as the exporter does with {@code partition_metrics_by_resource_attributes: true} (the
 * configuration Meshlens documents: it keeps each series in one partition, in order); spans and
 * logs go without a key.
 *
 * <p>A request whose encoding would exceed {@link SimulatorSettings#maxMessageBytes()} is split by
 * resource, then by scope, then by item (metric, span, log record, data point), so that every
 * message fits the broker's default size limit. Sends are asynchronous; call {@link #flush()} to
 * wait for them. Not thread-safe, except {@link #silence}.
 *
 * <p>Fault injection: {@link #silence} drops one cluster's telemetry from then on (its metrics by
 * the resource's {@code k8s.cluster.name}, spans by {@code istio.cluster_id}, OTLP log records by
 * {@code cluster}, access log lines by their cluster), as if that cluster's Collectors and log
 * forwarders stopped; the simulation itself goes on unchanged.
 */
public final class SimulatorPublisher {

  private final Producer<byte[], byte[]> producer;
  private final SimulatorSettings settings;
  private final int limit;
  private final Header[] noHeaders = new Header[0];
  private final Map<String, Header[]> clusterHeaders = new LinkedHashMap<>();
  private PublishStats totals = PublishStats.empty();
  private final Set<String> silenced = ConcurrentHashMap.newKeySet();

  // Counts of the publish call in progress.
  private Map<String, PublishStats.TopicStats> current;
  private long currentOversized;

  public SimulatorPublisher(Producer<byte[], byte[]> producer, SimulatorSettings settings) {
    this.producer = Objects.requireNonNull(producer, "producer");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.limit = settings.maxMessageBytes();
  }

  /**
   * Stops ({@code true}) or resumes ({@code false}) publishing {@code cluster}'s telemetry. Safe to
   * call from any thread; takes effect at the next {@link #publish}.
   */
  public void silence(String cluster, boolean silent) {
    if (silent) {
      silenced.add(cluster);
    } else {
      silenced.remove(cluster);
    }
  }

  /** Clusters whose telemetry is not published. */
  public Set<String> silencedClusters() {
    return Set.copyOf(silenced);
  }

  /** Sends everything in the tick output to its topic; returns what this call sent. */
  public PublishStats publish(TickOutput out) {
    current = new LinkedHashMap<>();
    currentOversized = 0;
    Topics topics = settings.topics();
    Set<String> muted = silencedClusters();
    for (ExportMetricsServiceRequest r : out.metrics()) {
      // One message per resource, keyed by it: a series always lands in the same partition, so
      // its samples are consumed in order, also when a restarted consumer catches up.
      for (ResourceMetrics rm : r.getResourceMetricsList()) {
        if (!muted.isEmpty()
            && muted.contains(
                attribute(rm.getResource().getAttributesList(), "k8s.cluster.name"))) {
          continue;
        }
        byte[] key = rm.getResource().toByteArray();
        for (byte[] value : encode(wrap(rm))) {
          send(topics.metrics(), key, value, noHeaders);
        }
      }
    }
    for (ExportTraceServiceRequest r : out.spans()) {
      if (!muted.isEmpty()) {
        r = withoutSpansOf(r, muted);
        if (r == null) {
          continue;
        }
      }
      for (byte[] value : encode(r)) {
        send(topics.spans(), null, value, noHeaders);
      }
    }
    for (ExportLogsServiceRequest r : out.logs()) {
      if (!muted.isEmpty()) {
        r = withoutLogsOf(r, muted);
        if (r == null) {
          continue;
        }
      }
      for (byte[] value : encode(r)) {
        send(topics.logs(), null, value, noHeaders);
      }
    }
    List<String> lines = out.accessLogLines();
    List<String> clusters = out.accessLogLineClusters();
    for (int i = 0; i < lines.size(); i++) {
      if (muted.contains(clusters.get(i))) {
        continue;
      }
      byte[] value = lines.get(i).getBytes(StandardCharsets.UTF_8);
      if (value.length > limit) {
        currentOversized++;
      }
      send(topics.accessLogs(), null, value, headersFor(clusters.get(i)));
    }
    PublishStats stats = new PublishStats(current, currentOversized);
    totals = totals.plus(stats);
    current = null;
    return stats;
  }

  private static String attribute(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return kv.getValue().getStringValue();
      }
    }
    return "";
  }

  /** The request without the spans of muted clusters; null when nothing is left. */
  private static ExportTraceServiceRequest withoutSpansOf(
      ExportTraceServiceRequest r, Set<String> muted) {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    boolean any = false;
    for (ResourceSpans rs : r.getResourceSpansList()) {
      ResourceSpans.Builder rb = rs.toBuilder().clearScopeSpans();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans.Builder sb = ss.toBuilder().clearSpans();
        for (Span span : ss.getSpansList()) {
          if (!muted.contains(attribute(span.getAttributesList(), "istio.cluster_id"))) {
            sb.addSpans(span);
            any = true;
          }
        }
        rb.addScopeSpans(sb);
      }
      b.addResourceSpans(rb);
    }
    return any ? b.build() : null;
  }

  /** The request without the log records of muted clusters; null when nothing is left. */
  private static ExportLogsServiceRequest withoutLogsOf(
      ExportLogsServiceRequest r, Set<String> muted) {
    ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
    boolean any = false;
    for (ResourceLogs rl : r.getResourceLogsList()) {
      ResourceLogs.Builder rb = rl.toBuilder().clearScopeLogs();
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        ScopeLogs.Builder sb = sl.toBuilder().clearLogRecords();
        for (LogRecord lr : sl.getLogRecordsList()) {
          if (!muted.contains(attribute(lr.getAttributesList(), "cluster"))) {
            sb.addLogRecords(lr);
            any = true;
          }
        }
        rb.addScopeLogs(sb);
      }
      b.addResourceLogs(rb);
    }
    return any ? b.build() : null;
  }

  /** Everything sent since this publisher was created. */
  public PublishStats totals() {
    return totals;
  }

  /** Waits until every message sent so far is acknowledged (or failed). */
  public void flush() {
    producer.flush();
  }

  /**
   * The message values a request is published as, in the configured encoding, each within the size
   * limit unless a single item is larger than it.
   */
  public List<byte[]> encode(ExportMetricsServiceRequest request) {
    List<byte[]> out = new ArrayList<>();
    encodeInto(request, SimulatorPublisher::splitMetrics, out);
    return out;
  }

  public List<byte[]> encode(ExportTraceServiceRequest request) {
    List<byte[]> out = new ArrayList<>();
    encodeInto(request, SimulatorPublisher::splitTraces, out);
    return out;
  }

  public List<byte[]> encode(ExportLogsServiceRequest request) {
    List<byte[]> out = new ArrayList<>();
    encodeInto(request, SimulatorPublisher::splitLogs, out);
    return out;
  }

  /** Sends one message; a null key lets the producer spread messages over partitions. */
  private void send(String topic, byte[] key, byte[] value, Header[] headers) {
    producer.send(new ProducerRecord<>(topic, null, null, key, value, List.of(headers)));
    if (current != null) {
      current.merge(
          topic,
          new PublishStats.TopicStats(1, value.length),
          (a, b) -> a.plus(b.messages(), b.bytes()));
    }
  }

  private Header[] headersFor(String cluster) {
    String name = settings.accessLogClusterHeader();
    if (name.isEmpty()) {
      return noHeaders;
    }
    return clusterHeaders.computeIfAbsent(
        cluster, c -> new Header[] {new RecordHeader(name, c.getBytes(StandardCharsets.UTF_8))});
  }

  /** Encodes, splitting into parts until each fits; a part that cannot be split is kept. */
  private <T extends Message> void encodeInto(T request, Splitter<T> splitter, List<byte[]> out) {
    int size;
    byte[] json = null;
    if (settings.encoding() == Encoding.OTLP_PROTO) {
      size = request.getSerializedSize();
    } else {
      json = OtlpJson.print(request).getBytes(StandardCharsets.UTF_8);
      size = json.length;
    }
    if (size <= limit) {
      out.add(json != null ? json : request.toByteArray());
      return;
    }
    // Aim below the limit so that one split usually suffices.
    int parts = (int) Math.min(Integer.MAX_VALUE, (long) size * 10 / ((long) limit * 9) + 1);
    List<T> split = splitter.split(request, Math.max(2, parts));
    if (split == null) {
      currentOversized++;
      out.add(json != null ? json : request.toByteArray());
      return;
    }
    for (T part : split) {
      encodeInto(part, splitter, out);
    }
  }

  @FunctionalInterface
  private interface Splitter<T> {
    /** At most {@code parts} smaller requests with the same content, or null if indivisible. */
    List<T> split(T request, int parts);
  }

  static List<ExportMetricsServiceRequest> splitMetrics(ExportMetricsServiceRequest r, int parts) {
    if (r.getResourceMetricsCount() > 1) {
      return groups(r.getResourceMetricsList(), parts).stream()
          .map(g -> ExportMetricsServiceRequest.newBuilder().addAllResourceMetrics(g).build())
          .toList();
    }
    ResourceMetrics rm = r.getResourceMetrics(0);
    if (rm.getScopeMetricsCount() > 1) {
      return groups(rm.getScopeMetricsList(), parts).stream()
          .map(g -> wrap(rm.toBuilder().clearScopeMetrics().addAllScopeMetrics(g).build()))
          .toList();
    }
    ScopeMetrics sm = rm.getScopeMetrics(0);
    if (sm.getMetricsCount() > 1) {
      return groups(sm.getMetricsList(), parts).stream()
          .map(g -> wrap(rm, sm.toBuilder().clearMetrics().addAllMetrics(g).build()))
          .toList();
    }
    if (sm.getMetricsCount() == 0) {
      return null;
    }
    Metric m = sm.getMetrics(0);
    List<Metric> pieces = splitDataPoints(m, parts);
    if (pieces == null) {
      return null;
    }
    return pieces.stream()
        .map(p -> wrap(rm, sm.toBuilder().clearMetrics().addMetrics(p).build()))
        .toList();
  }

  private static List<Metric> splitDataPoints(Metric m, int parts) {
    return switch (m.getDataCase()) {
      case GAUGE ->
          m.getGauge().getDataPointsCount() < 2
              ? null
              : groups(m.getGauge().getDataPointsList(), parts).stream()
                  .map(
                      g ->
                          m.toBuilder()
                              .setGauge(
                                  m.getGauge().toBuilder().clearDataPoints().addAllDataPoints(g))
                              .build())
                  .toList();
      case SUM ->
          m.getSum().getDataPointsCount() < 2
              ? null
              : groups(m.getSum().getDataPointsList(), parts).stream()
                  .map(
                      g ->
                          m.toBuilder()
                              .setSum(m.getSum().toBuilder().clearDataPoints().addAllDataPoints(g))
                              .build())
                  .toList();
      case HISTOGRAM ->
          m.getHistogram().getDataPointsCount() < 2
              ? null
              : groups(m.getHistogram().getDataPointsList(), parts).stream()
                  .map(
                      g ->
                          m.toBuilder()
                              .setHistogram(
                                  m.getHistogram().toBuilder()
                                      .clearDataPoints()
                                      .addAllDataPoints(g))
                              .build())
                  .toList();
      case EXPONENTIAL_HISTOGRAM ->
          m.getExponentialHistogram().getDataPointsCount() < 2
              ? null
              : groups(m.getExponentialHistogram().getDataPointsList(), parts).stream()
                  .map(
                      g ->
                          m.toBuilder()
                              .setExponentialHistogram(
                                  m.getExponentialHistogram().toBuilder()
                                      .clearDataPoints()
                                      .addAllDataPoints(g))
                              .build())
                  .toList();
      case SUMMARY ->
          m.getSummary().getDataPointsCount() < 2
              ? null
              : groups(m.getSummary().getDataPointsList(), parts).stream()
                  .map(
                      g ->
                          m.toBuilder()
                              .setSummary(
                                  m.getSummary().toBuilder().clearDataPoints().addAllDataPoints(g))
                              .build())
                  .toList();
      default -> null;
    };
  }

  private static ExportMetricsServiceRequest wrap(ResourceMetrics rm) {
    return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(rm).build();
  }

  private static ExportMetricsServiceRequest wrap(ResourceMetrics rm, ScopeMetrics sm) {
    return wrap(rm.toBuilder().clearScopeMetrics().addScopeMetrics(sm).build());
  }

  static List<ExportTraceServiceRequest> splitTraces(ExportTraceServiceRequest r, int parts) {
    if (r.getResourceSpansCount() > 1) {
      return groups(r.getResourceSpansList(), parts).stream()
          .map(g -> ExportTraceServiceRequest.newBuilder().addAllResourceSpans(g).build())
          .toList();
    }
    ResourceSpans rs = r.getResourceSpans(0);
    if (rs.getScopeSpansCount() > 1) {
      return groups(rs.getScopeSpansList(), parts).stream()
          .map(
              g ->
                  ExportTraceServiceRequest.newBuilder()
                      .addResourceSpans(rs.toBuilder().clearScopeSpans().addAllScopeSpans(g))
                      .build())
          .toList();
    }
    ScopeSpans ss = rs.getScopeSpans(0);
    if (ss.getSpansCount() < 2) {
      return null;
    }
    return groups(ss.getSpansList(), parts).stream()
        .map(
            g ->
                ExportTraceServiceRequest.newBuilder()
                    .addResourceSpans(
                        rs.toBuilder()
                            .clearScopeSpans()
                            .addScopeSpans(ss.toBuilder().clearSpans().addAllSpans(g)))
                    .build())
        .toList();
  }

  static List<ExportLogsServiceRequest> splitLogs(ExportLogsServiceRequest r, int parts) {
    if (r.getResourceLogsCount() > 1) {
      return groups(r.getResourceLogsList(), parts).stream()
          .map(g -> ExportLogsServiceRequest.newBuilder().addAllResourceLogs(g).build())
          .toList();
    }
    ResourceLogs rl = r.getResourceLogs(0);
    if (rl.getScopeLogsCount() > 1) {
      return groups(rl.getScopeLogsList(), parts).stream()
          .map(
              g ->
                  ExportLogsServiceRequest.newBuilder()
                      .addResourceLogs(rl.toBuilder().clearScopeLogs().addAllScopeLogs(g))
                      .build())
          .toList();
    }
    ScopeLogs sl = rl.getScopeLogs(0);
    if (sl.getLogRecordsCount() < 2) {
      return null;
    }
    return groups(sl.getLogRecordsList(), parts).stream()
        .map(
            g ->
                ExportLogsServiceRequest.newBuilder()
                    .addResourceLogs(
                        rl.toBuilder()
                            .clearScopeLogs()
                            .addScopeLogs(sl.toBuilder().clearLogRecords().addAllLogRecords(g)))
                    .build())
        .toList();
  }

  /**
   * Consecutive groups of about equal serialized size, at most {@code parts} of them and at least
   * two (the list has at least two items).
   */
  static <E extends Message> List<List<E>> groups(List<E> items, int parts) {
    long total = 0;
    for (E e : items) {
      total += e.getSerializedSize();
    }
    long target = Math.max(1, total / Math.max(2, parts));
    List<List<E>> out = new ArrayList<>();
    List<E> group = new ArrayList<>();
    long size = 0;
    for (E e : items) {
      long s = e.getSerializedSize();
      if (!group.isEmpty() && size + s > target) {
        out.add(group);
        group = new ArrayList<>();
        size = 0;
      }
      group.add(e);
      size += s;
    }
    out.add(group);
    if (out.size() == 1) {
      // One item dominates: still split so that the recursion makes progress.
      List<E> all = out.get(0);
      int half = all.size() / 2;
      return List.of(all.subList(0, half), all.subList(half, all.size()));
    }
    return out;
  }
}
