package io.meshlens.ingest;

import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.SampleSink;
import io.meshlens.model.Labels;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.MetricAttributor;
import io.meshlens.tenancy.TenantDirectory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Turns one Kafka message of OTLP metrics into tenant-tagged samples in the {@link MetricStore}:
 * decode (protobuf or OTLP/JSON), translate to Prometheus series ({@link OtlpMetricsTranslator}),
 * attribute to tenant and cluster ({@link MetricAttributor}), append.
 *
 * <p>Never throws on bad data: an undecodable message is counted under {@code decode_error} and
 * skipped. Attribution is cached per translated label set, because the same series arrives every
 * scrape interval and its tenant only changes when the tenants file does.
 */
public final class MetricsPipeline {

  /** How message bytes are decoded. */
  public enum Encoding {
    AUTO,
    OTLP_PROTO,
    OTLP_JSON;

    public static Encoding parse(String s) {
      return switch (s) {
        case "auto" -> AUTO;
        case "otlp_proto" -> OTLP_PROTO;
        case "otlp_json" -> OTLP_JSON;
        default ->
            throw new IllegalArgumentException(
                "unknown encoding '" + s + "' (known: auto, otlp_proto, otlp_json)");
      };
    }
  }

  /** Past this many cached series the cache starts over instead of growing without bound. */
  private static final int MAX_CACHED_SERIES = 2_000_000;

  private final OtlpMetricsTranslator translator;
  private final Supplier<TenantDirectory> directory;
  private final MetricStore store;
  private final IngestStats stats;
  private final Encoding encoding;

  private volatile TenantDirectory cachedFor;
  private volatile MetricAttributor attributor;
  private final Map<String, Map<Labels, Integer>> seriesIds = new ConcurrentHashMap<>();

  public MetricsPipeline(
      OtlpMetricsTranslator translator,
      Supplier<TenantDirectory> directory,
      MetricStore store,
      IngestStats stats,
      Encoding encoding) {
    this.translator = Objects.requireNonNull(translator);
    this.directory = Objects.requireNonNull(directory);
    this.store = Objects.requireNonNull(store);
    this.stats = Objects.requireNonNull(stats);
    this.encoding = Objects.requireNonNull(encoding);
  }

  /**
   * Stores the samples of one message.
   *
   * @param clusterHint cluster named by the transport (Kafka header), or null
   * @return false when the message was rejected (and counted)
   */
  public boolean accept(byte[] value, String clusterHint) {
    int size = value == null ? 0 : value.length;
    stats.record(size);
    if (value == null || size == 0) {
      stats.rejectRecord("empty");
      return false;
    }
    ExportMetricsServiceRequest request;
    try {
      request = decode(value);
    } catch (Exception e) {
      // Protobuf and JSON parsers report bad input with several exception types; all mean the
      // same to us: this record cannot be read.
      stats.rejectRecord("decode_error");
      return false;
    }
    MetricAttributor attr = attributorForCurrentTenants();
    Map<Labels, Integer> ids =
        seriesIds.computeIfAbsent(
            clusterHint == null ? "" : clusterHint, k -> new ConcurrentHashMap<>());
    SampleSink sink =
        new SampleSink() {
          @Override
          public void accept(Labels labels, long timestampMillis, double v) {
            Integer id = ids.get(labels);
            if (id == null) {
              if (ids.size() >= MAX_CACHED_SERIES) {
                ids.clear();
              }
              id = store.seriesId(attr.attribute(labels, clusterHint));
              ids.put(labels, id);
            }
            stats.sample(store.append(id, timestampMillis, v));
          }

          @Override
          public void discard(String reason, String metricName) {
            stats.discardPoint(reason);
          }
        };
    translator.translate(request, sink);
    return true;
  }

  private ExportMetricsServiceRequest decode(byte[] value) throws Exception {
    boolean json =
        encoding == Encoding.OTLP_JSON || (encoding == Encoding.AUTO && looksLikeJson(value));
    ExportMetricsServiceRequest r =
        json
            ? OtlpMetricsTranslator.parseJson(value)
            : ExportMetricsServiceRequest.parseFrom(value);
    // Protobuf reads many random byte strings as "unknown fields only": that is not a request.
    if (r.getResourceMetricsCount() == 0 && !r.getUnknownFields().asMap().isEmpty()) {
      throw new IllegalArgumentException("no OTLP metrics in message");
    }
    return r;
  }

  private static boolean looksLikeJson(byte[] value) {
    for (byte b : value) {
      if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
        continue;
      }
      return b == '{';
    }
    return false;
  }

  private MetricAttributor attributorForCurrentTenants() {
    TenantDirectory current = directory.get();
    if (current != cachedFor) {
      // The tenants file changed: every cached attribution may be stale.
      seriesIds.clear();
      attributor = new MetricAttributor(current);
      cachedFor = current;
    }
    return attributor;
  }
}
