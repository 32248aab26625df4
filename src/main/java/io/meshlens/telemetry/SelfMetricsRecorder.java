package io.meshlens.telemetry;

import io.meshlens.model.Labels;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.AttributedSeries;
import io.meshlens.tenancy.MetricAttributor;
import io.meshlens.tenancy.TenantsConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.Objects;
import java.util.Set;

/**
 * Appends a snapshot of Meshlens' own {@code /metrics} registry to its own metric store, as tenant
 * {@code platform} (DESIGN.md "Self-observability"): an SRE then reads Meshlens' health through the
 * same query API and dashboards as the mesh's.
 *
 * <p>Each sample becomes the series Prometheus would store from a scrape of {@code /metrics} in the
 * text format ({@code _total} for counters, {@code _bucket}/{@code _sum}/{@code _count} for
 * histograms, ...), with {@code job="meshlens"} and {@code instance}, then {@code cluster} (the
 * cluster Meshlens runs in) and {@code tenant="platform"}. A metric's own {@code tenant} or {@code
 * cluster} label (e.g. {@code meshlens_ingested_total{tenant="shop"}}) is kept as {@code
 * exported_tenant} / {@code exported_cluster}, as Prometheus does for a target's conflicting labels
 * and as ingest does for OTLP series. Only SREs see the {@code platform} tenant.
 */
public final class SelfMetricsRecorder {

  /** The {@code job} label of Meshlens' own series. */
  public static final String JOB = "meshlens";

  private static final Set<String> PLATFORM_ONLY = Set.of(TenantsConfig.PLATFORM);

  private final PrometheusRegistry registry;
  private final MetricStore store;
  private final String cluster;
  private final String instance;

  /**
   * @param cluster the cluster Meshlens runs in, the {@code cluster} label of every series
   * @param instance this replica, the {@code instance} label (host name in a pod)
   */
  public SelfMetricsRecorder(
      PrometheusRegistry registry, MetricStore store, String cluster, String instance) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.store = Objects.requireNonNull(store, "store");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.instance = Objects.requireNonNull(instance, "instance");
  }

  /**
   * Scrapes the registry once and appends every sample at {@code timestampMs}.
   *
   * @return samples stored (a sample at or before its series' last one is not)
   */
  public int record(long timestampMs) {
    int stored = 0;
    for (MetricSnapshot snapshot : registry.scrape()) {
      String name = snapshot.getMetadata().getPrometheusName();
      String type = type(snapshot);
      // Named as the text format names the family: a counter's series end in _total.
      String family =
          switch (type) {
            case "counter" -> name + "_total";
            case "info" -> name + "_info";
            default -> name;
          };
      store.recordMetadata(
          family, new MetricStore.Metadata(type, snapshot.getMetadata().getHelp(), ""));
      stored += append(snapshot, name, timestampMs);
    }
    return stored;
  }

  private int append(MetricSnapshot snapshot, String name, long t) {
    int stored = 0;
    if (snapshot instanceof CounterSnapshot c) {
      for (var p : c.getDataPoints()) {
        stored += put(name + "_total", p.getLabels(), null, null, t, p.getValue());
      }
    } else if (snapshot instanceof GaugeSnapshot g) {
      for (var p : g.getDataPoints()) {
        stored += put(name, p.getLabels(), null, null, t, p.getValue());
      }
    } else if (snapshot instanceof UnknownSnapshot u) {
      for (var p : u.getDataPoints()) {
        stored += put(name, p.getLabels(), null, null, t, p.getValue());
      }
    } else if (snapshot instanceof InfoSnapshot i) {
      for (var p : i.getDataPoints()) {
        stored += put(name + "_info", p.getLabels(), null, null, t, 1);
      }
    } else if (snapshot instanceof StateSetSnapshot s) {
      for (var p : s.getDataPoints()) {
        for (StateSetSnapshot.State state : p) {
          stored += put(name, p.getLabels(), name, state.getName(), t, state.isTrue() ? 1 : 0);
        }
      }
    } else if (snapshot instanceof HistogramSnapshot h) {
      for (var p : h.getDataPoints()) {
        if (!p.hasClassicHistogramData()) {
          continue; // native-only histograms have no text-format series
        }
        long cumulative = 0;
        for (ClassicHistogramBucket b : p.getClassicBuckets()) {
          cumulative += b.getCount();
          stored +=
              put(name + "_bucket", p.getLabels(), "le", le(b.getUpperBound()), t, cumulative);
        }
        stored += put(name + "_count", p.getLabels(), null, null, t, cumulative);
        if (p.hasSum()) {
          stored += put(name + "_sum", p.getLabels(), null, null, t, p.getSum());
        }
      }
    } else if (snapshot instanceof SummarySnapshot s) {
      for (var p : s.getDataPoints()) {
        for (Quantile q : p.getQuantiles()) {
          stored +=
              put(
                  name,
                  p.getLabels(),
                  "quantile",
                  Double.toString(q.getQuantile()),
                  t,
                  q.getValue());
        }
        if (p.hasCount()) {
          stored += put(name + "_count", p.getLabels(), null, null, t, p.getCount());
        }
        if (p.hasSum()) {
          stored += put(name + "_sum", p.getLabels(), null, null, t, p.getSum());
        }
      }
    }
    return stored;
  }

  private int put(
      String name,
      io.prometheus.metrics.model.snapshots.Labels own,
      String extraName,
      String extraValue,
      long t,
      double value) {
    Labels.Builder b = Labels.builder().put(Labels.METRIC_NAME, name);
    for (Label l : own) {
      b.put(exported(l.getName()), l.getValue());
    }
    if (extraName != null) {
      b.put(extraName, extraValue);
    }
    b.put("job", JOB)
        .put("instance", instance)
        .put(MetricAttributor.CLUSTER_LABEL, cluster)
        .put(MetricAttributor.TENANT_LABEL, TenantsConfig.PLATFORM);
    AttributedSeries series =
        new AttributedSeries(b.build(), TenantsConfig.PLATFORM, cluster, PLATFORM_ONLY);
    return store.append(store.seriesId(series), t, value) ? 1 : 0;
  }

  /** A metric's own label that the target labels would overwrite keeps its value under a prefix. */
  private static String exported(String label) {
    return switch (label) {
      case MetricAttributor.CLUSTER_LABEL, MetricAttributor.TENANT_LABEL, "job", "instance" ->
          "exported_" + label;
      default -> label;
    };
  }

  private static String type(MetricSnapshot s) {
    if (s instanceof CounterSnapshot) {
      return "counter";
    } else if (s instanceof GaugeSnapshot) {
      return "gauge";
    } else if (s instanceof HistogramSnapshot) {
      return "histogram";
    } else if (s instanceof SummarySnapshot) {
      return "summary";
    } else if (s instanceof InfoSnapshot) {
      return "info";
    } else if (s instanceof StateSetSnapshot) {
      return "stateset";
    }
    return "unknown";
  }

  /** {@code le} as the text format writes it: {@code +Inf}, {@code 0.5}, {@code 1.0}. */
  private static String le(double upper) {
    if (upper == Double.POSITIVE_INFINITY) {
      return "+Inf";
    }
    return Double.toString(upper);
  }
}
