package io.meshlens.ingest;

import io.meshlens.ingest.decode.PayloadEncoding;
import io.meshlens.ingest.otlp.HistogramSeries;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.SampleSink;
import io.meshlens.model.Labels;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.AttributedSeries;
import io.meshlens.tenancy.MetricAttributor;
import io.meshlens.tenancy.TenantDirectory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Turns one Kafka message of OTLP metrics into tenant-tagged samples in the {@link MetricStore}:
 * decode (protobuf or OTLP/JSON), translate to Prometheus series ({@link OtlpMetricsTranslator}),
 * attribute to tenant and cluster ({@link MetricAttributor}), append.
 *
 * <p>Never throws on bad data: a record that cannot be used comes back as a {@link Rejection} for
 * the caller to dead-letter, and is counted. Attribution is cached per translated label set,
 * because the same series arrives every scrape interval and its tenant only changes when the
 * tenants file does; the cache entry also holds the tenant's counter, so counting a stored point is
 * one {@code LongAdder.increment()}.
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

  /**
   * A resolved series: its store id and write handle, its tenant and that tenant's counter of
   * stored points. Samples go through the handle: no index lock and no lookup per sample.
   */
  private static final class SeriesRef {
    final int id;
    final MetricStore.Appender appender;
    final LongAdder tenantPoints;
    final String tenant;
    final IngestStats.ClusterClock clusterClock;

    /**
     * Whether the tenant has a sample rate limit, as of the tenants file this reference was
     * resolved under: references are dropped when the file changes.
     */
    final boolean rateLimited;

    /**
     * The last start time seen on a cumulative point of this series, so that the store is only
     * asked about a reset when the start time changes. Written without synchronisation: a stale
     * read only costs one more look at the store.
     */
    long lastStart;

    SeriesRef(
        MetricStore.Appender appender,
        LongAdder tenantPoints,
        String tenant,
        IngestStats.ClusterClock clusterClock,
        boolean rateLimited) {
      this.id = appender.id();
      this.rateLimited = rateLimited;
      this.appender = appender;
      this.tenantPoints = tenantPoints;
      this.tenant = tenant;
      this.clusterClock = clusterClock;
    }
  }

  /** A histogram data point's identity: its labels and the shape of its series. */
  private record PointKey(Labels point, HistogramSeries series) {}

  /**
   * What one transport cluster hint's records resolved to: series by label set, and the series of
   * each histogram data point by (point labels, shape), so that a histogram point costs one lookup
   * instead of one per bucket.
   */
  private static final class Resolved {
    final Map<Labels, SeriesRef> series = new ConcurrentHashMap<>();
    final Map<PointKey, SeriesRef[]> histograms = new ConcurrentHashMap<>();

    void clearIfFull() {
      if (series.size() >= MAX_CACHED_SERIES) {
        series.clear();
        histograms.clear();
      }
    }
  }

  private final OtlpMetricsTranslator translator;
  private final Supplier<TenantDirectory> directory;
  private final MetricStore store;
  private final IngestStats stats;
  private final Encoding encoding;
  private final int maxRecordBytes;

  private volatile TenantDirectory cachedFor;
  private volatile MetricAttributor attributor;
  private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();
  private final DeltaToCumulative deltas;
  private final TenantLimiter limiter;

  public MetricsPipeline(
      OtlpMetricsTranslator translator,
      Supplier<TenantDirectory> directory,
      MetricStore store,
      IngestStats stats,
      Encoding encoding,
      int maxRecordBytes) {
    this.translator = Objects.requireNonNull(translator);
    this.directory = Objects.requireNonNull(directory);
    this.store = Objects.requireNonNull(store);
    this.stats = Objects.requireNonNull(stats);
    this.encoding = Objects.requireNonNull(encoding);
    this.maxRecordBytes = maxRecordBytes;
    this.deltas = new DeltaToCumulative(store::lastSample);
    this.limiter = new TenantLimiter(directory);
  }

  public IngestStats stats() {
    return stats;
  }

  /**
   * Stores the samples of one message.
   *
   * @param topic the Kafka topic, for per-topic counters
   * @param clusterHint cluster named by the transport (Kafka header), or null
   * @return empty when ingested, else why the whole record was refused (already counted)
   */
  public Optional<Rejection> accept(String topic, byte[] value, String clusterHint) {
    int size = value == null ? 0 : value.length;
    stats.record(topic, size);
    Rejection rejection = check(value);
    if (rejection == null && mayBeProtobuf(value)) {
      // The common case, read straight from the bytes; anything else is handed over untouched.
      try {
        if (translator.translateProtobuf(value, sinkFor(clusterHint))) {
          return Optional.empty();
        }
      } catch (RuntimeException e) {
        Rejection r = new Rejection(Rejection.INTERNAL_ERROR, describe(e));
        stats.rejectRecord(r.reason());
        return Optional.of(r);
      }
    }
    ExportMetricsServiceRequest request = null;
    if (rejection == null) {
      try {
        request = decode(value);
      } catch (Exception e) {
        // Protobuf and JSON parsers report bad input with several exception types; all mean the
        // same here: this record cannot be read.
        rejection = new Rejection(Rejection.DECODE_ERROR, describe(e));
      }
    }
    if (rejection != null) {
      stats.rejectRecord(rejection.reason());
      return Optional.of(rejection);
    }
    try {
      translator.translate(request, sinkFor(clusterHint));
    } catch (RuntimeException e) {
      // A bug must not stop ingestion: the record goes to the dead-letter topic with the reason.
      // Points stored before the failure are absorbed as duplicates if it is ever replayed.
      Rejection r = new Rejection(Rejection.INTERNAL_ERROR, describe(e));
      stats.rejectRecord(r.reason());
      return Optional.of(r);
    }
    return Optional.empty();
  }

  private Rejection check(byte[] value) {
    if (value == null || value.length == 0) {
      return new Rejection(Rejection.EMPTY, "record has no value");
    }
    if (value.length > maxRecordBytes) {
      return new Rejection(
          Rejection.OVERSIZED,
          "record of "
              + value.length
              + " bytes exceeds meshlens.ingest.max-record-bytes="
              + maxRecordBytes);
    }
    if (value.length > 1 && value[0] == (byte) 0x1f && value[1] == (byte) 0x8b) {
      return new Rejection(
          Rejection.UNKNOWN_ENCODING,
          "gzip-compressed payload: use Kafka's own compression, not payload compression");
    }
    return null;
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }

  private SampleSink sinkFor(String clusterHint) {
    MetricAttributor attr = attributorForCurrentTenants();
    Resolved cache =
        resolved.computeIfAbsent(clusterHint == null ? "" : clusterHint, k -> new Resolved());
    Map<Labels, SeriesRef> refs = cache.series;
    return new SampleSink() {
      /** The series' store reference; null when its tenant may not own another series. */
      private SeriesRef resolve(Labels labels) {
        SeriesRef ref = refs.get(labels);
        if (ref == null) {
          cache.clearIfFull();
          AttributedSeries s = attr.attribute(labels, clusterHint);
          if (!store.contains(s.labels())
              && !limiter.allowNewSeries(s.tenant(), store.seriesCountOf(s.tenant()))) {
            stats.discardPoint(TenantLimiter.SERIES_LIMIT, s.tenant());
            return null;
          }
          ref =
              new SeriesRef(
                  store.appender(store.seriesId(s)),
                  stats.pointsOf(s.tenant()),
                  s.tenant(),
                  stats.clusterClock(s.cluster()),
                  limiter.limitsSamples(s.tenant()));
          // The key outlives this request and holds the translator's shared copies of its strings
          // (attribute texts, label and metric names, le): the very objects that the next export's
          // label sets hold, so the lookups of every later sample compare them by reference
          // instead of character by character.
          refs.put(translator.canonical(labels), ref);
        }
        return ref;
      }

      @Override
      public void accept(Labels labels, long timestampMillis, double v) {
        SeriesRef ref = resolve(labels);
        if (ref != null) {
          store(ref, timestampMillis, v);
        }
      }

      @Override
      public void acceptCumulative(
          Labels labels, long timestampMillis, double v, long startTimestampMillis) {
        SeriesRef ref = resolve(labels);
        if (ref != null) {
          markReset(ref, timestampMillis, startTimestampMillis);
          store(ref, timestampMillis, v);
        }
      }

      @Override
      public void acceptHistogram(
          Labels point,
          HistogramSeries series,
          long timestampMillis,
          double[] values,
          long startTimestampMillis) {
        SeriesRef[] group = cache.histograms.get(new PointKey(point, series));
        if (group == null) {
          group = new SeriesRef[series.size()];
          boolean complete = true;
          for (int i = 0; i < group.length; i++) {
            group[i] = resolve(series.labels(point, i));
            complete &= group[i] != null;
          }
          // A series refused by a limit is asked for again next time, when the limit may allow it.
          if (complete) {
            cache.histograms.put(new PointKey(translator.canonical(point), series), group);
          }
        }
        for (int i = 0; i < group.length; i++) {
          SeriesRef ref = group[i];
          if (ref != null) {
            markReset(ref, timestampMillis, startTimestampMillis);
            store(ref, timestampMillis, values[i]);
          }
        }
      }

      /**
       * A cumulative point whose start time lies after the series' last stored sample restarted
       * from zero in between: store that zero at the start time (Prometheus' created-timestamp zero
       * ingestion), so that rate() and increase() see the reset even when the new value is above
       * the old one.
       */
      private void markReset(SeriesRef ref, long timestampMillis, long startTimestampMillis) {
        if (startTimestampMillis <= 0
            || startTimestampMillis >= timestampMillis
            || startTimestampMillis == ref.lastStart) {
          return;
        }
        ref.lastStart = startTimestampMillis;
        ref.appender.appendResetZero(startTimestampMillis);
      }

      private void store(SeriesRef ref, long timestampMillis, double v) {
        if (ref.rateLimited) {
          // Replayed duplicates do not use up the tenant's allowance.
          if (ref.appender.isDuplicate(timestampMillis)) {
            stats.duplicatePoint();
            return;
          }
          if (!limiter.allowSample(ref.tenant)) {
            stats.discardPoint(TenantLimiter.SAMPLE_RATE_LIMIT, ref.tenant);
            return;
          }
        }
        if (ref.appender.append(timestampMillis, v)) {
          ref.tenantPoints.increment();
          ref.clusterClock.observe(timestampMillis);
        } else {
          stats.duplicatePoint();
        }
      }

      @Override
      public void discard(String reason, String metricName) {
        stats.discardPoint(reason);
      }

      @Override
      public void metadata(String family, String type, String help, String unit) {
        store.recordMetadata(family, new MetricStore.Metadata(type, help, unit));
      }

      @Override
      public boolean acceptsDelta() {
        return true;
      }

      @Override
      public void acceptDelta(Labels labels, long timestampMillis, double delta) {
        SeriesRef ref = resolve(labels);
        if (ref == null) {
          return;
        }
        double cumulative = deltas.add(ref.id, timestampMillis, delta);
        if (Double.isNaN(cumulative)) {
          stats.duplicatePoint();
        } else {
          store(ref, timestampMillis, cumulative);
        }
      }
    };
  }

  /** Whether {@link #decode} would try protobuf first. */
  private boolean mayBeProtobuf(byte[] value) {
    return encoding == Encoding.OTLP_PROTO
        || (encoding == Encoding.AUTO && !PayloadEncoding.looksLikeJson(value));
  }

  private ExportMetricsServiceRequest decode(byte[] value) throws Exception {
    if (encoding == Encoding.OTLP_JSON
        || (encoding == Encoding.AUTO && PayloadEncoding.looksLikeJson(value))) {
      return OtlpMetricsTranslator.parseJson(value);
    }
    try {
      return parseProto(value);
    } catch (Exception e) {
      // 0x0A, a line feed, is also how every protobuf request starts: JSON that begins with one
      // is only recognised once protobuf has failed.
      int first = PayloadEncoding.firstNonBlank(value);
      if (encoding == Encoding.AUTO && (first == '{' || first == '[')) {
        return OtlpMetricsTranslator.parseJson(value);
      }
      throw e;
    }
  }

  private static ExportMetricsServiceRequest parseProto(byte[] value) throws Exception {
    ExportMetricsServiceRequest r = ExportMetricsServiceRequest.parseFrom(value);
    // Protobuf reads many random byte strings as "unknown fields only": that is not a request.
    if (r.getResourceMetricsCount() == 0 && !r.getUnknownFields().asMap().isEmpty()) {
      throw new IllegalArgumentException("not an OTLP ExportMetricsServiceRequest");
    }
    return r;
  }

  private MetricAttributor attributorForCurrentTenants() {
    TenantDirectory current = directory.get();
    if (current != cachedFor) {
      // The tenants file changed: every cached attribution may be stale.
      resolved.clear();
      attributor = new MetricAttributor(current);
      cachedFor = current;
    }
    return attributor;
  }
}
