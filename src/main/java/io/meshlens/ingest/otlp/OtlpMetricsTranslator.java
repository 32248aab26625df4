package io.meshlens.ingest.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.meshlens.ingest.otlp.PrometheusNaming.MetricType;
import io.meshlens.model.Labels;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.DataPointFlags;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Translates OTLP metrics into Prometheus samples with the rules of Prometheus' own OTLP receiver
 * ({@code storage/remote/otlptranslator}, translation strategy {@code
 * UnderscoreEscapingWithSuffixes}), so that series names, labels and values in Meshlens are the
 * ones a tenant would see had the same Collector written to a Prometheus server.
 *
 * <p>Gauges and non-monotonic sums become one series per data point, monotonic sums a {@code
 * _total} series, explicit-bucket histograms the classic {@code _bucket}/{@code _sum}/{@code
 * _count} series, summaries {@code quantile} series plus {@code _sum}/{@code _count}, exponential
 * histograms classic series too (merged to two buckets per power of two; Prometheus would make
 * native histograms). Delta temporality goes to {@link SampleSink#acceptDelta} when the sink takes
 * it, else to {@link SampleSink#discard}. The rules and their sources are listed in {@code
 * docs/otlp-to-prometheus.md}.
 *
 * <p>Stateless and thread-safe: one instance can serve every consumer thread.
 */
public final class OtlpMetricsTranslator {

  /** Bits of the NaN that Prometheus uses as a staleness marker ({@code value.StaleNaN}). */
  public static final long STALE_NAN_BITS = 0x7ff0000000000002L;

  /** The staleness marker written for data points flagged "no recorded value". */
  public static final double STALE_NAN = Double.longBitsToDouble(STALE_NAN_BITS);

  private static final int NO_RECORDED_VALUE =
      DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK_VALUE;
  private static final long NANOS_PER_MILLI = 1_000_000L;

  private static final JsonFormat.Parser JSON = JsonFormat.parser().ignoringUnknownFields();

  /** Promoted resource attribute key to its label name. */
  private final Map<String, String> promoted;

  /**
   * Past this many entries a name cache starts over: attribute keys and metric names come from a
   * few instrumentation libraries, so only garbage input fills one.
   */
  private static final int MAX_CACHED_NAMES = 50_000;

  /** What {@link PrometheusNaming#labelName} gave for a key; {@link #INVALID} stands for null. */
  private final Map<String, String> labelNames = new ConcurrentHashMap<>();

  private final Map<MetricNameKey, String> metricNames = new ConcurrentHashMap<>();
  private final Map<ShapeKey, HistogramSeries> shapes = new ConcurrentHashMap<>();

  /** One copy of each attribute key and value text seen by the protobuf readers of all threads. */
  private final Map<String, String> symbols = new ConcurrentHashMap<>();

  private static final int MAX_SYMBOLS = 500_000;
  private static final String INVALID = new String("<invalid label name>");

  private final ThreadLocal<OtlpProtobufReader> readers;

  /** Per thread, the label sets made from attribute runs read by that thread's reader. */
  private final ThreadLocal<SeriesLabelsCache> seriesLabels =
      ThreadLocal.withInitial(() -> new SeriesLabelsCache(this::shared));

  /**
   * One instance of each label set the per-thread caches hold: a series' data points reach every
   * thread in turn (partitions move between worker threads), and each thread's cache would keep a
   * label set of its own otherwise.
   */
  private final Map<Labels, Labels> labelSets = new ConcurrentHashMap<>();

  private static final int MAX_LABEL_SETS = 2_000_000;

  private Labels shared(Labels labels) {
    Labels known = labelSets.get(labels);
    if (known != null) {
      return known;
    }
    if (labelSets.size() >= MAX_LABEL_SETS) {
      labelSets.clear();
    }
    known = labelSets.putIfAbsent(labels, labels);
    return known == null ? labels : known;
  }

  public OtlpMetricsTranslator(TranslatorSettings settings) {
    Map<String, String> names = new HashMap<>();
    for (String key : settings.promotedResourceAttributes()) {
      String name = PrometheusNaming.labelName(key);
      names.put(key, name == null ? null : symbol(name));
    }
    this.promoted = Map.copyOf(names);
    this.readers =
        ThreadLocal.withInitial(() -> new OtlpProtobufReader(this::labelName, this::symbol));
  }

  /** {@link PrometheusNaming#labelName}, remembered: every data point repeats the same keys. */
  String labelName(String key) {
    String name = labelNames.get(key);
    if (name == null) {
      name = PrometheusNaming.labelName(key);
      if (name != null) {
        // The shared copy, so that label sets compare by reference (see canonical).
        name = symbol(name);
      }
      if (labelNames.size() >= MAX_CACHED_NAMES) {
        labelNames.clear();
      }
      labelNames.put(key, name == null ? INVALID : name);
      return name;
    }
    return name == INVALID ? null : name;
  }

  private record MetricNameKey(String name, String unit, MetricType type) {}

  /** {@link PrometheusNaming#metricName}, remembered per (name, unit, type). */
  private String metricName(String name, String unit, MetricType type) {
    MetricNameKey key = new MetricNameKey(name, unit, type);
    String prometheusName = metricNames.get(key);
    if (prometheusName == null) {
      prometheusName = symbol(PrometheusNaming.metricName(name, unit, type));
      if (metricNames.size() >= MAX_CACHED_NAMES) {
        metricNames.clear();
      }
      metricNames.put(key, prometheusName);
    }
    return prometheusName;
  }

  /**
   * The same labels with every name and value replaced by this translator's shared copy: the copy
   * that label sets read from protobuf bytes hold, so a sink that keeps the result as a cache key
   * finds later label sets of the same series by reference comparisons.
   */
  public Labels canonical(Labels labels) {
    String[] pairs = null;
    for (int i = 0; i < labels.size(); i++) {
      String name = symbol(labels.name(i));
      String value = symbol(labels.value(i));
      if (pairs == null && (name != labels.name(i) || value != labels.value(i))) {
        pairs = new String[labels.size() * 2];
        for (int j = 0; j < i; j++) {
          pairs[2 * j] = labels.name(j);
          pairs[2 * j + 1] = labels.value(j);
        }
      }
      if (pairs != null) {
        pairs[2 * i] = name;
        pairs[2 * i + 1] = value;
      }
    }
    // Label sets read from protobuf bytes hold the shared copies already: they are their own
    // canonical form, so the sink's cache key is the very object the translator hands out again.
    return pairs == null ? labels : Labels.of(pairs);
  }

  /** The shared copy of {@code s}. */
  private String symbol(String s) {
    String known = symbols.get(s);
    if (known != null) {
      return known;
    }
    if (symbols.size() >= MAX_SYMBOLS) {
      symbols.clear();
    }
    known = symbols.putIfAbsent(s, s);
    return known == null ? s : known;
  }

  /**
   * Reads an OTLP/JSON {@code ExportMetricsServiceRequest} (the Collector's {@code otlp_json}
   * encoding): int64 values as strings or numbers, enums as integers or names, unknown fields
   * ignored. Trace and span ids of exemplars are hex in OTLP/JSON but read here as base64; their
   * bytes are wrong, which is harmless because exemplars are not translated.
   *
   * @throws InvalidProtocolBufferException when the bytes are not such a JSON document
   */
  public static ExportMetricsServiceRequest parseJson(byte[] otlpJson)
      throws InvalidProtocolBufferException {
    ExportMetricsServiceRequest.Builder builder = ExportMetricsServiceRequest.newBuilder();
    JSON.merge(new String(otlpJson, StandardCharsets.UTF_8), builder);
    return builder.build();
  }

  /**
   * Sends every sample of the protobuf-encoded {@code ExportMetricsServiceRequest} in {@code bytes}
   * to {@code sink}, read straight from the bytes ({@link OtlpProtobufReader}) without building the
   * generated message objects: what {@code translate(ExportMetricsServiceRequest.parseFrom(bytes),
   * sink)} would send, in the same order.
   *
   * @return false, having sent nothing, when the bytes hold more than gauges, sums and explicit
   *     histograms with scalar attribute values, or anything unusual, or are not a valid request:
   *     the caller then parses them with protobuf and calls {@link
   *     #translate(ExportMetricsServiceRequest, SampleSink)}, which also decides whether they are a
   *     request at all
   */
  public boolean translateProtobuf(byte[] bytes, SampleSink sink) {
    OtlpProtobufReader r = readers.get();
    boolean read;
    try {
      read = r.read(bytes);
    } catch (RuntimeException e) {
      // A reader bug must not lose the record: protobuf's parser gets it instead.
      read = false;
    }
    if (!read) {
      return false;
    }
    SeriesLabelsCache cache = seriesLabels.get();
    cache.startRequest(r.blocks.generation());
    for (int i = 0; i < r.resourceCount; i++) {
      ResourceLabels resource =
          resourceLabels(r.attributes, r.resourceAttrFrom[i], r.resourceAttrTo[i]);
      cache.resource = r.resourceBlock[i];
      for (int m = r.resourceMetricFrom[i]; m < r.resourceMetricTo[i]; m++) {
        translateRead(r, m, resource, sink);
      }
    }
    return true;
  }

  /**
   * The label sets of data points read from protobuf bytes, by (resource attribute run, data point
   * attribute run, metric name): a data point's labels are a function of its attributes, its
   * resource's attributes and its metric's name alone, and the runs ({@link
   * OtlpProtobufReader.Block}) are one object per distinct content. So a series seen before gets
   * its label set back with one lookup by reference instead of being built label by label, and it
   * is the very object the sink keyed its cache with, which then matches by reference too. Per
   * thread, like the reader whose runs it refers to; emptied when the reader's run table starts
   * over. The label sets themselves are one instance for all threads ({@link #shared}).
   */
  private static final class SeriesLabelsCache {
    private static final int MAX = 1 << 20;

    private static final class Key {
      OtlpProtobufReader.Block resource;
      OtlpProtobufReader.Block point;
      String name;
      boolean withName;
      int hash;

      Key set(
          OtlpProtobufReader.Block resource,
          OtlpProtobufReader.Block point,
          String name,
          boolean withName) {
        this.resource = resource;
        this.point = point;
        this.name = name;
        this.withName = withName;
        this.hash =
            ((resource.hash * 31 + point.hash) * 31 + name.hashCode()) * 2 + (withName ? 1 : 0);
        return this;
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof Key k
            && k.resource == resource
            && k.point == point
            && k.withName == withName
            && k.name.equals(name);
      }

      @Override
      public int hashCode() {
        return hash;
      }
    }

    private final HashMap<Key, Labels> map = new HashMap<>();
    private final Key probe = new Key();
    private final java.util.function.UnaryOperator<Labels> shared;
    private int generation;

    SeriesLabelsCache(java.util.function.UnaryOperator<Labels> shared) {
      this.shared = shared;
    }

    /** The resource whose metrics are being translated; null when not cacheable. */
    OtlpProtobufReader.Block resource;

    void startRequest(int blockGeneration) {
      if (blockGeneration != generation) {
        map.clear();
        generation = blockGeneration;
      }
    }

    /** The cached label set of point run {@code point} under metric {@code name}, or null. */
    Labels get(OtlpProtobufReader.Block point, String name, boolean withName) {
      if (resource == null || point == null) {
        return null;
      }
      return map.get(probe.set(resource, point, name, withName));
    }

    /** Caches {@code labels} for the run and returns the instance to use from now on. */
    Labels put(OtlpProtobufReader.Block point, String name, boolean withName, Labels labels) {
      if (resource == null || point == null) {
        return labels;
      }
      if (map.size() >= MAX) {
        map.clear();
      }
      Labels one = shared.apply(labels);
      map.put(new Key().set(resource, point, name, withName), one);
      return one;
    }
  }

  private void translateRead(
      OtlpProtobufReader r, int m, ResourceLabels resource, SampleSink sink) {
    String metricName = r.metricName[m];
    int points = r.metricPointTo[m] - r.metricPointFrom[m];
    int temporality = r.metricTemporality[m];
    switch (r.metricKind[m]) {
      case OtlpProtobufReader.GAUGE -> translateReadNumbers(r, m, MetricType.GAUGE, resource, sink);
      case OtlpProtobufReader.SUM -> {
        MetricType type =
            r.metricMonotonic[m] ? MetricType.MONOTONIC_COUNTER : MetricType.NON_MONOTONIC_COUNTER;
        withTemporality(
            metricName,
            temporality,
            points,
            sink,
            s -> translateReadNumbers(r, m, type, resource, s));
      }
      case OtlpProtobufReader.HISTOGRAM ->
          withTemporality(
              metricName,
              temporality,
              points,
              sink,
              s -> translateReadHistogram(r, m, resource, s));
      default -> sink.discard(DiscardReason.UNSUPPORTED_METRIC_TYPE, metricName);
    }
  }

  /** {@link #translateNumbers} for metric {@code m} of a read request. */
  private void translateReadNumbers(
      OtlpProtobufReader r, int m, MetricType type, ResourceLabels resource, SampleSink sink) {
    int from = r.metricPointFrom[m];
    int to = r.metricPointTo[m];
    String name = metricName(r.metricName[m], r.metricUnit[m], type);
    if (name.isEmpty()) {
      discardAll(DiscardReason.INVALID_METRIC_NAME, r.metricName[m], to - from, sink);
      return;
    }
    sink.metadata(
        name,
        type == MetricType.MONOTONIC_COUNTER ? "counter" : "gauge",
        r.metricDescription[m],
        r.metricUnit[m]);
    boolean cumulative = type == MetricType.MONOTONIC_COUNTER;
    SeriesLabelsCache cache = seriesLabels.get();
    for (int p = from; p < to; p++) {
      Labels series = cache.get(r.pointBlock[p], name, true);
      if (series == null) {
        Labels.Builder labels =
            seriesLabels(r.attributes, r.pointAttrFrom[p], r.pointAttrTo[p], resource);
        if (labels == null) {
          sink.discard(DiscardReason.INVALID_LABEL_NAME, r.metricName[m]);
          continue;
        }
        series =
            cache.put(r.pointBlock[p], name, true, labels.put(Labels.METRIC_NAME, name).build());
      }
      boolean stale = isStale(r.pointFlags[p]);
      emit(
          series,
          r.pointTime[p] / NANOS_PER_MILLI,
          stale ? STALE_NAN : r.pointValue[p],
          cumulative && !stale ? r.pointStart[p] : 0,
          sink);
    }
  }

  /** {@link #translateHistogram} for metric {@code m} of a read request. */
  private void translateReadHistogram(
      OtlpProtobufReader r, int m, ResourceLabels resource, SampleSink sink) {
    int from = r.metricPointFrom[m];
    int to = r.metricPointTo[m];
    String name = metricName(r.metricName[m], r.metricUnit[m], MetricType.HISTOGRAM);
    if (name.isEmpty()) {
      discardAll(DiscardReason.INVALID_METRIC_NAME, r.metricName[m], to - from, sink);
      return;
    }
    sink.metadata(name, "histogram", r.metricDescription[m], r.metricUnit[m]);
    HistogramSeries shape = null;
    SeriesLabelsCache cache = seriesLabels.get();
    for (int p = from; p < to; p++) {
      Labels point = cache.get(r.pointBlock[p], name, false);
      if (point == null) {
        Labels.Builder labels =
            seriesLabels(r.attributes, r.pointAttrFrom[p], r.pointAttrTo[p], resource);
        if (labels == null) {
          sink.discard(DiscardReason.INVALID_LABEL_NAME, r.metricName[m]);
          continue;
        }
        point = cache.put(r.pointBlock[p], name, false, labels.build());
      }
      int countsFrom = r.pointCountsFrom[p];
      int countsSize = r.pointCountsTo[p] - countsFrom;
      int boundsFrom = r.pointBoundsFrom[p];
      // OTLP has bounds.length + 1 counts; the last one is the +Inf bucket, which is _count.
      int boundsSize = Math.min(r.pointBoundsTo[p] - boundsFrom, countsSize);
      boolean hasSum = r.pointHasSum[p];
      if (shape == null || !shape.matches(name, hasSum, r.bounds, boundsFrom, boundsSize)) {
        shape = shape(name, hasSum, r.bounds, boundsFrom, boundsSize);
      }
      boolean stale = isStale(r.pointFlags[p]);
      long[] counts = Arrays.copyOfRange(r.bucketCounts, countsFrom, countsFrom + boundsSize);
      double[] values = values(shape, stale, r.pointSum[p], r.pointTotal[p], counts);
      sink.acceptHistogram(
          point,
          shape,
          r.pointTime[p] / NANOS_PER_MILLI,
          values,
          stale ? 0 : r.pointStart[p] / NANOS_PER_MILLI);
    }
  }

  /** Bounds of a histogram shape, compared bit for bit as {@link HistogramSeries} does. */
  private record ShapeKey(String name, boolean hasSum, double[] bounds) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ShapeKey k
          && hasSum == k.hasSum
          && name.equals(k.name)
          && Arrays.equals(bounds, k.bounds);
    }

    @Override
    public int hashCode() {
      return (name.hashCode() * 31 + Boolean.hashCode(hasSum)) * 31 + Arrays.hashCode(bounds);
    }
  }

  /**
   * The one {@link HistogramSeries} for a name, sum presence and bounds: the {@code le} texts are
   * formatted once, not once per request, and sinks compare shapes by reference.
   */
  private HistogramSeries shape(String name, boolean hasSum, double[] bounds, int from, int size) {
    ShapeKey key = new ShapeKey(name, hasSum, Arrays.copyOfRange(bounds, from, from + size));
    HistogramSeries shape = shapes.get(key);
    if (shape == null) {
      shape = new HistogramSeries(name, hasSum, key.bounds(), this::symbol);
      if (shapes.size() >= MAX_CACHED_NAMES) {
        shapes.clear();
      }
      shapes.put(key, shape);
    }
    return shape;
  }

  /** Sends every sample of {@code request} to {@code sink}, in request order. */
  public void translate(ExportMetricsServiceRequest request, SampleSink sink) {
    for (int i = 0; i < request.getResourceMetricsCount(); i++) {
      translate(request.getResourceMetrics(i), sink);
    }
  }

  private void translate(ResourceMetrics resourceMetrics, SampleSink sink) {
    ResourceLabels resource = resourceLabels(resourceMetrics.getResource());
    for (int i = 0; i < resourceMetrics.getScopeMetricsCount(); i++) {
      ScopeMetrics scope = resourceMetrics.getScopeMetrics(i);
      for (int j = 0; j < scope.getMetricsCount(); j++) {
        translate(scope.getMetrics(j), resource, sink);
      }
    }
  }

  private void translate(Metric metric, ResourceLabels resource, SampleSink sink) {
    switch (metric.getDataCase()) {
      case GAUGE:
        translateNumbers(
            metric, metric.getGauge().getDataPointsList(), MetricType.GAUGE, resource, sink);
        break;
      case SUM:
        Sum sum = metric.getSum();
        MetricType type =
            sum.getIsMonotonic() ? MetricType.MONOTONIC_COUNTER : MetricType.NON_MONOTONIC_COUNTER;
        withTemporality(
            metric,
            sum.getAggregationTemporalityValue(),
            sum.getDataPointsCount(),
            sink,
            s -> translateNumbers(metric, sum.getDataPointsList(), type, resource, s));
        break;
      case HISTOGRAM:
        Histogram histogram = metric.getHistogram();
        withTemporality(
            metric,
            histogram.getAggregationTemporalityValue(),
            histogram.getDataPointsCount(),
            sink,
            s -> translateHistogram(metric, histogram.getDataPointsList(), resource, s));
        break;
      case EXPONENTIAL_HISTOGRAM:
        ExponentialHistogram exponential = metric.getExponentialHistogram();
        withTemporality(
            metric,
            exponential.getAggregationTemporalityValue(),
            exponential.getDataPointsCount(),
            sink,
            s -> translateExponential(metric, exponential.getDataPointsList(), resource, s));
        break;
      case SUMMARY:
        translateSummary(metric, metric.getSummary().getDataPointsList(), resource, sink);
        break;
      default:
        sink.discard(DiscardReason.UNSUPPORTED_METRIC_TYPE, metric.getName());
    }
  }

  /**
   * Runs {@code translate} with the sink for the metric's temporality, or discards every data point
   * when the sink cannot take that temporality.
   */
  private static void withTemporality(
      Metric metric, int temporality, int points, SampleSink sink, Consumer<SampleSink> translate) {
    withTemporality(metric.getName(), temporality, points, sink, translate);
  }

  private static void withTemporality(
      String metricName,
      int temporality,
      int points,
      SampleSink sink,
      Consumer<SampleSink> translate) {
    String problem = temporalityProblem(temporality, sink);
    if (problem != null) {
      discardAll(problem, metricName, points, sink);
    } else {
      translate.accept(sinkFor(temporality, sink));
    }
  }

  private static String temporalityProblem(int temporality, SampleSink sink) {
    if (temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE_VALUE) {
      return null;
    }
    if (temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA_VALUE) {
      return sink.acceptsDelta() ? null : DiscardReason.DELTA_TEMPORALITY;
    }
    return DiscardReason.INVALID_TEMPORALITY;
  }

  /**
   * For delta temporality, a sink that hands samples to {@link SampleSink#acceptDelta} (stale
   * markers excepted) and drops start times, which describe each delta's own window.
   */
  private static SampleSink sinkFor(int temporality, SampleSink sink) {
    if (temporality != AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA_VALUE) {
      return sink;
    }
    return new SampleSink() {
      @Override
      public void accept(Labels labels, long timestampMillis, double value) {
        if (Double.doubleToRawLongBits(value) == STALE_NAN_BITS) {
          sink.accept(labels, timestampMillis, value);
        } else {
          sink.acceptDelta(labels, timestampMillis, value);
        }
      }

      @Override
      public void discard(String reason, String metricName) {
        sink.discard(reason, metricName);
      }

      @Override
      public void metadata(String family, String type, String help, String unit) {
        sink.metadata(family, type, help, unit);
      }
    };
  }

  private static void discardAll(String reason, Metric metric, int points, SampleSink sink) {
    discardAll(reason, metric.getName(), points, sink);
  }

  private static void discardAll(String reason, String metricName, int points, SampleSink sink) {
    for (int i = 0; i < points; i++) {
      sink.discard(reason, metricName);
    }
  }

  private void translateNumbers(
      Metric metric,
      List<NumberDataPoint> points,
      MetricType type,
      ResourceLabels resource,
      SampleSink sink) {
    String name = metricName(metric.getName(), metric.getUnit(), type);
    if (name.isEmpty()) {
      discardAll(DiscardReason.INVALID_METRIC_NAME, metric, points.size(), sink);
      return;
    }
    sink.metadata(
        name,
        type == MetricType.MONOTONIC_COUNTER ? "counter" : "gauge",
        metric.getDescription(),
        metric.getUnit());
    boolean cumulative = type == MetricType.MONOTONIC_COUNTER;
    for (int i = 0; i < points.size(); i++) {
      NumberDataPoint point = points.get(i);
      Labels.Builder labels = seriesLabels(point.getAttributesList(), resource);
      if (labels == null) {
        sink.discard(DiscardReason.INVALID_LABEL_NAME, metric.getName());
        continue;
      }
      double value;
      switch (point.getValueCase()) {
        case AS_DOUBLE:
          value = point.getAsDouble();
          break;
        case AS_INT:
          value = point.getAsInt();
          break;
        default:
          value = 0;
      }
      boolean stale = isStale(point.getFlags());
      emit(
          labels,
          name,
          point.getTimeUnixNano() / NANOS_PER_MILLI,
          stale ? STALE_NAN : value,
          cumulative && !stale ? point.getStartTimeUnixNano() : 0,
          sink);
    }
  }

  private void translateHistogram(
      Metric metric, List<HistogramDataPoint> points, ResourceLabels resource, SampleSink sink) {
    String name = metricName(metric.getName(), metric.getUnit(), MetricType.HISTOGRAM);
    if (name.isEmpty()) {
      discardAll(DiscardReason.INVALID_METRIC_NAME, metric, points.size(), sink);
      return;
    }
    sink.metadata(name, "histogram", metric.getDescription(), metric.getUnit());
    HistogramSeries shape = null;
    for (int i = 0; i < points.size(); i++) {
      HistogramDataPoint point = points.get(i);
      Labels.Builder labels = seriesLabels(point.getAttributesList(), resource);
      if (labels == null) {
        sink.discard(DiscardReason.INVALID_LABEL_NAME, metric.getName());
        continue;
      }
      // OTLP has bounds.length + 1 counts; the last one is the +Inf bucket, which is _count.
      List<Double> bounds = point.getExplicitBoundsList();
      if (point.getBucketCountsCount() < bounds.size()) {
        bounds = bounds.subList(0, point.getBucketCountsCount());
      }
      if (shape == null || !shape.matches(name, point.hasSum(), bounds)) {
        shape = new HistogramSeries(name, point.hasSum(), toArray(bounds));
      }
      boolean stale = isStale(point.getFlags());
      long[] counts = new long[bounds.size()];
      for (int b = 0; b < counts.length; b++) {
        counts[b] = point.getBucketCounts(b);
      }
      double[] values = values(shape, stale, point.getSum(), point.getCount(), counts);
      sink.acceptHistogram(
          labels.build(),
          shape,
          point.getTimeUnixNano() / NANOS_PER_MILLI,
          values,
          stale ? 0 : point.getStartTimeUnixNano() / NANOS_PER_MILLI);
    }
  }

  /**
   * Exponential histograms become classic {@code _bucket}/{@code _sum}/{@code _count} series
   * (Meshlens has no native histograms). Each point is first merged down to scale {@value
   * #EXPONENTIAL_SCALE} (two buckets per power of two) when finer, which is exact: a bucket's upper
   * bound {@code 2^((i+1)/2)} is the upper bound of the finer buckets it merges. The {@code le}
   * values are then the same whatever scale a producer picks, so a series does not change name when
   * an SDK rescales, and a histogram spans a few dozen buckets at most. Buckets run from the most
   * negative, through the zero bucket ({@code le} = its threshold), to the positive ones, and
   * {@code +Inf} equals the count; {@code min} and {@code max} are not kept.
   */
  private void translateExponential(
      Metric metric,
      List<ExponentialHistogramDataPoint> points,
      ResourceLabels resource,
      SampleSink sink) {
    String name = metricName(metric.getName(), metric.getUnit(), MetricType.HISTOGRAM);
    if (name.isEmpty()) {
      discardAll(DiscardReason.INVALID_METRIC_NAME, metric, points.size(), sink);
      return;
    }
    sink.metadata(name, "histogram", metric.getDescription(), metric.getUnit());
    for (ExponentialHistogramDataPoint point : points) {
      Labels.Builder labels = seriesLabels(point.getAttributesList(), resource);
      if (labels == null) {
        sink.discard(DiscardReason.INVALID_LABEL_NAME, metric.getName());
        continue;
      }
      int scale = Math.min(point.getScale(), EXPONENTIAL_SCALE);
      int shift = point.getScale() - scale;
      long[] negative = merged(point.getNegative(), shift);
      long[] positive = merged(point.getPositive(), shift);
      int negativeOffset = point.getNegative().getOffset() >> shift;
      int positiveOffset = point.getPositive().getOffset() >> shift;
      double[] bounds = new double[negative.length + 1 + positive.length];
      long[] counts = new long[bounds.length];
      int b = 0;
      // Most negative first: bucket i holds values in [-base^(i+1), -base^i).
      for (int i = negative.length - 1; i >= 0; i--, b++) {
        bounds[b] = -bound(negativeOffset + i, scale);
        counts[b] = negative[i];
      }
      bounds[b] = point.getZeroThreshold();
      counts[b++] = point.getZeroCount();
      for (int i = 0; i < positive.length; i++, b++) {
        bounds[b] = bound(positiveOffset + i + 1, scale);
        counts[b] = positive[i];
      }
      HistogramSeries shape = new HistogramSeries(name, point.hasSum(), bounds);
      boolean stale = isStale(point.getFlags());
      double[] values = values(shape, stale, point.getSum(), point.getCount(), counts);
      sink.acceptHistogram(
          labels.build(),
          shape,
          point.getTimeUnixNano() / NANOS_PER_MILLI,
          values,
          stale ? 0 : point.getStartTimeUnixNano() / NANOS_PER_MILLI);
    }
  }

  /** Scale exponential histograms are merged down to: two buckets per power of two. */
  static final int EXPONENTIAL_SCALE = 1;

  /** {@code base^index} for {@code base = 2^(2^-scale)}. */
  private static double bound(int index, int scale) {
    return Math.pow(2, Math.scalb((double) index, -scale));
  }

  /** The bucket counts merged {@code 2^shift} to one, indexes {@code (offset + i) >> shift}. */
  private static long[] merged(ExponentialHistogramDataPoint.Buckets buckets, int shift) {
    int n = buckets.getBucketCountsCount();
    if (n == 0) {
      return new long[0];
    }
    int offset = buckets.getOffset();
    int first = offset >> shift;
    int last = (offset + n - 1) >> shift;
    long[] out = new long[last - first + 1];
    for (int i = 0; i < n; i++) {
      out[((offset + i) >> shift) - first] += buckets.getBucketCounts(i);
    }
    return out;
  }

  /**
   * The values of a histogram point's series in {@code shape}'s order: sum (when the shape has
   * one), count, the cumulative bucket counts from the per-bucket {@code counts}, then count again
   * for {@code +Inf}; all stale markers for a stale point.
   */
  private static double[] values(
      HistogramSeries shape, boolean stale, double sum, long count, long[] counts) {
    double[] values = new double[shape.size()];
    if (stale) {
      Arrays.fill(values, STALE_NAN);
      return values;
    }
    if (shape.hasSum()) {
      values[0] = sum;
    }
    values[shape.countIndex()] = unsignedToDouble(count);
    int first = shape.firstBucketIndex();
    long cumulative = 0;
    for (int i = 0; i < counts.length; i++) {
      cumulative += counts[i];
      values[first + i] = unsignedToDouble(cumulative);
    }
    values[values.length - 1] = unsignedToDouble(count);
    return values;
  }

  private static double[] toArray(List<Double> values) {
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  private void translateSummary(
      Metric metric, List<SummaryDataPoint> points, ResourceLabels resource, SampleSink sink) {
    String name = metricName(metric.getName(), metric.getUnit(), MetricType.SUMMARY);
    if (name.isEmpty()) {
      discardAll(DiscardReason.INVALID_METRIC_NAME, metric, points.size(), sink);
      return;
    }
    sink.metadata(name, "summary", metric.getDescription(), metric.getUnit());
    String sumName = name + "_sum";
    String countName = name + "_count";
    for (int i = 0; i < points.size(); i++) {
      SummaryDataPoint point = points.get(i);
      Labels.Builder labels = seriesLabels(point.getAttributesList(), resource);
      if (labels == null) {
        sink.discard(DiscardReason.INVALID_LABEL_NAME, metric.getName());
        continue;
      }
      long timestamp = point.getTimeUnixNano() / NANOS_PER_MILLI;
      boolean stale = isStale(point.getFlags());
      long start = stale ? 0 : point.getStartTimeUnixNano();
      emit(labels, sumName, timestamp, stale ? STALE_NAN : point.getSum(), start, sink);
      double count = unsignedToDouble(point.getCount());
      emit(labels, countName, timestamp, stale ? STALE_NAN : count, start, sink);
      for (int q = 0; q < point.getQuantileValuesCount(); q++) {
        SummaryDataPoint.ValueAtQuantile quantile = point.getQuantileValues(q);
        labels.put("quantile", GoFloats.formatPlain(quantile.getQuantile()));
        emit(labels, name, timestamp, stale ? STALE_NAN : quantile.getValue(), 0, sink);
      }
    }
  }

  private static void emit(
      Labels.Builder labels,
      String metricName,
      long timestampMillis,
      double value,
      long startTimeUnixNano,
      SampleSink sink) {
    labels.put(Labels.METRIC_NAME, metricName);
    emit(labels.build(), timestampMillis, value, startTimeUnixNano, sink);
  }

  private static void emit(
      Labels series, long timestampMillis, double value, long startTimeUnixNano, SampleSink sink) {
    if (startTimeUnixNano != 0) {
      sink.acceptCumulative(series, timestampMillis, value, startTimeUnixNano / NANOS_PER_MILLI);
    } else {
      sink.accept(series, timestampMillis, value);
    }
  }

  private static boolean isStale(int flags) {
    return (flags & NO_RECORDED_VALUE) != 0;
  }

  /** OTLP counts are uint64; Java reads them as signed longs. */
  static double unsignedToDouble(long v) {
    if (v >= 0) {
      return v;
    }
    // Halve with the lost bit kept as a sticky bit, so that the conversion still rounds right.
    return ((v >>> 1) | (v & 1)) * 2.0;
  }

  /**
   * The labels shared by all series of one data point: its attributes, then promoted resource
   * attributes where no attribute took the name, then {@code job} and {@code instance}, which
   * replace attributes of those names (Prometheus' {@code createAttributes}). Null when an
   * attribute key cannot be a label name.
   */
  private Labels.Builder seriesLabels(List<KeyValue> attributes, ResourceLabels resource) {
    AttributeList list = new AttributeList(attributes.size());
    for (int i = 0; i < attributes.size(); i++) {
      KeyValue attribute = attributes.get(i);
      list.add(
          attribute.getKey(),
          labelName(attribute.getKey()),
          AttributeValues.asString(attribute.getValue()));
    }
    return seriesLabels(list, 0, list.size, resource);
  }

  /** {@link #seriesLabels(List, ResourceLabels)} for attributes {@code from..to} of a list. */
  static Labels.Builder seriesLabels(
      AttributeList attributes, int from, int to, ResourceLabels resource) {
    Labels.Builder labels = Labels.builder();
    if (!addAttributes(labels, attributes, from, to)) {
      return null;
    }
    resource.addTo(labels);
    return labels;
  }

  private static boolean addAttributes(
      Labels.Builder labels, AttributeList attributes, int from, int to) {
    String[] names = attributes.names;
    String[] values = attributes.values;
    for (int i = from; i < to; i++) {
      String name = names[i];
      if (name == null) {
        return false;
      }
      String value = values[i];
      if (labels.has(name) || (value.isEmpty() && collides(names, from, to, i, name))) {
        return addCollidingAttributes(labels, attributes, from, to);
      }
      labels.put(name, value);
    }
    return true;
  }

  private static boolean collides(String[] names, int from, int to, int index, String name) {
    for (int i = from; i < to; i++) {
      if (i != index && name.equals(names[i])) {
        return true;
      }
    }
    return false;
  }

  /**
   * Keys that sanitize to the same name: Prometheus sorts the attributes by key and joins the
   * values of a shared name with {@code ;} in that order (empty values count as absent).
   */
  private static boolean addCollidingAttributes(
      Labels.Builder labels, AttributeList attributes, int from, int to) {
    int n = to - from;
    String[] keys = attributes.keys;
    int[] sorted = new int[n];
    for (int i = 0; i < n; i++) {
      sorted[i] = from + i;
    }
    // Insertion sort: stable, and attribute lists are short.
    for (int i = 1; i < n; i++) {
      int current = sorted[i];
      int j = i - 1;
      while (j >= 0 && AttributeValues.compareUtf8(keys[sorted[j]], keys[current]) > 0) {
        sorted[j + 1] = sorted[j];
        j--;
      }
      sorted[j + 1] = current;
    }
    for (int i : sorted) {
      String name = attributes.names[i];
      if (name == null) {
        return false;
      }
      labels.remove(name);
    }
    for (int i : sorted) {
      String name = attributes.names[i];
      String value = attributes.values[i];
      String existing = labels.get(name);
      labels.put(name, existing == null ? value : existing + ";" + value);
    }
    return true;
  }

  private ResourceLabels resourceLabels(Resource resource) {
    List<KeyValue> attributes = resource.getAttributesList();
    AttributeList list = new AttributeList(attributes.size());
    for (KeyValue attribute : attributes) {
      list.add(attribute.getKey(), null, AttributeValues.asString(attribute.getValue()));
    }
    return resourceLabels(list, 0, list.size);
  }

  /** The labels that resource attributes {@code from..to} of {@code attributes} give. */
  ResourceLabels resourceLabels(AttributeList attributes, int from, int to) {
    String serviceName = null;
    String serviceNamespace = null;
    String instance = null;
    int promotedCount = 0;
    for (int i = from; i < to; i++) {
      String key = attributes.keys[i];
      if (promoted.containsKey(key)) {
        promotedCount++;
      }
      // Like pcommon.Map.Get, the first of duplicate keys counts.
      switch (key) {
        case "service.name":
          if (serviceName == null) {
            serviceName = attributes.values[i];
          }
          break;
        case "service.namespace":
          if (serviceNamespace == null) {
            serviceNamespace = attributes.values[i];
          }
          break;
        case "service.instance.id":
          if (instance == null) {
            instance = attributes.values[i];
          }
          break;
        default:
          break;
      }
    }
    String job = null;
    if (serviceName != null) {
      // One shared copy, like the attribute texts: sinks that key caches by label set then compare
      // it by reference.
      job = serviceNamespace == null ? serviceName : symbol(serviceNamespace + "/" + serviceName);
    }
    if (promotedCount == 0 && job == null && instance == null) {
      return ResourceLabels.NONE;
    }

    // Prometheus applies promoted attributes sorted by attribute key.
    String[] keys = new String[promotedCount];
    String[] values = new String[promotedCount];
    int filled = 0;
    for (int i = from; i < to; i++) {
      String key = attributes.keys[i];
      if (!promoted.containsKey(key)) {
        continue;
      }
      String value = attributes.values[i];
      int j = filled - 1;
      while (j >= 0 && AttributeValues.compareUtf8(keys[j], key) > 0) {
        keys[j + 1] = keys[j];
        values[j + 1] = values[j];
        j--;
      }
      keys[j + 1] = key;
      values[j + 1] = value;
      filled++;
    }
    String[] names = new String[promotedCount];
    for (int i = 0; i < promotedCount; i++) {
      names[i] = promoted.get(keys[i]);
    }
    return new ResourceLabels(names, values, job, instance);
  }

  /** Labels that come from the resource, computed once per {@link ResourceMetrics}. */
  record ResourceLabels(
      String[] promotedNames, String[] promotedValues, String job, String instance) {

    static final ResourceLabels NONE = new ResourceLabels(new String[0], new String[0], null, null);

    void addTo(Labels.Builder labels) {
      for (int i = 0; i < promotedNames.length; i++) {
        if (!labels.has(promotedNames[i])) {
          labels.put(promotedNames[i], promotedValues[i]);
        }
      }
      if (job != null) {
        labels.put("job", job);
      }
      if (instance != null) {
        labels.put("instance", instance);
      }
    }
  }
}
