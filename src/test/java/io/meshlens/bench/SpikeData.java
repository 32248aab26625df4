package io.meshlens.bench;

import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.model.Labels;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.meshlens.tenancy.AttributedSeries;
import io.meshlens.tenancy.MetricAttributor;
import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.tenancy.TenantsConfig;
import io.meshlens.tenancy.TenantsConfig.PlatformSpec;
import io.meshlens.tenancy.TenantsConfig.TenantSpec;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Istio-shaped data the spike measures, made by {@link MeshSimulator} and translated by {@link
 * OtlpMetricsTranslator} exactly as ingest does.
 *
 * <ul>
 *   <li><b>Identity</b> ({@code identity.bin}): the serialized OTLP export requests of the first
 *       {@value #IDENTITY_TICKS} 15-second ticks of a large mesh (about 1,000,000 distinct series);
 *       the heap benchmarks feed these bytes through the real decode/translate/attribute path.
 *   <li><b>Corpus</b> ({@code corpus.bin}): every sample of a small mesh over {@value
 *       #CORPUS_TICKS} ticks of 15 s (6 hours), per series with its attributed labels: the
 *       realistic counter, histogram and gauge values the compression and disk benchmarks store.
 * </ul>
 */
final class SpikeData {

  static final Instant START = Instant.parse("2025-03-01T12:00:00Z");
  static final long STEP_MS = 15_000;
  static final int IDENTITY_TICKS = 3;
  static final int CORPUS_TICKS = 6 * 60 * 4;

  /** Extra tenants of the identity mesh: about 12,000 pods and 1,000,000 series in 3 ticks. */
  static final int IDENTITY_EXTRA_TENANTS = Integer.getInteger("spike.identityExtraTenants", 765);

  static final int IDENTITY_REPLICAS = 3;
  static final double IDENTITY_RPS = 5000;

  /**
   * The corpus mesh: small, with about the same request rate per series as the identity mesh (about
   * 0.005 requests/s per series), so counters grow as they would there.
   */
  static final int CORPUS_EXTRA_TENANTS = 10;

  static final int CORPUS_REPLICAS = 2;
  static final double CORPUS_RPS = 100;

  private SpikeData() {}

  /** The demo tenants plus one tenant per synthetic {@code tenant-NNN} namespace. */
  static TenantDirectory tenants(int extraTenants) {
    List<TenantSpec> specs = new ArrayList<>();
    specs.add(
        new TenantSpec("payments", List.of("payments", "payments-*"), null, List.of("shop"), 0));
    specs.add(new TenantSpec("shop", List.of("shop"), null, List.of("payments", "search"), 0));
    specs.add(new TenantSpec("search", List.of("search"), null, List.of("shop"), 0));
    specs.add(new TenantSpec("analytics", List.of("analytics"), null, List.of(), 0));
    for (int i = 1; i <= extraTenants; i++) {
      String name = String.format("tenant-%03d", i);
      specs.add(new TenantSpec(name, List.of(name), null, List.of(), 0));
    }
    TenantsConfig config =
        new TenantsConfig(
            specs, new PlatformSpec(List.of("istio-system", "istio-gateways", "kube-system")));
    return TenantDirectory.of(config, Path.of("spike-tenants.yaml"));
  }

  // ------------------------------------------------------------------ identity messages

  /** Writes the identity ticks' OTLP requests; returns the number of messages. */
  static int writeIdentity(Path file) throws IOException {
    MeshSimulator sim =
        new MeshSimulator(
            SimulatorSettings.defaults()
                .withExtraTenants(IDENTITY_EXTRA_TENANTS)
                .withReplicasPerWorkload(IDENTITY_REPLICAS)
                .withRequestsPerSecond(IDENTITY_RPS),
            START);
    int messages = 0;
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
      for (int tick = 1; tick <= IDENTITY_TICKS; tick++) {
        TickOutput o = sim.tick(START.plusMillis(STEP_MS * tick));
        for (ExportMetricsServiceRequest r : o.metrics()) {
          byte[] b = r.toByteArray();
          out.writeInt(tick);
          out.writeInt(b.length);
          out.write(b);
          messages++;
        }
      }
    }
    return messages;
  }

  /** One serialized OTLP request of the identity file. */
  record Message(int tick, byte[] bytes) {}

  /** Streams the identity file: one message in memory at a time. */
  interface MessageConsumer {
    void accept(Message m) throws Exception;
  }

  static void readIdentity(Path file, MessageConsumer consumer) throws Exception {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      while (true) {
        int tick;
        try {
          tick = in.readInt();
        } catch (EOFException e) {
          return;
        }
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        consumer.accept(new Message(tick, b));
      }
    }
  }

  // ------------------------------------------------------------------ corpus

  /** One series of the corpus: attributed labels, visibility, and its samples in time order. */
  record CorpusSeries(Labels labels, Set<String> visibleTo, long[] ts, double[] vs) {
    int size() {
      return ts.length;
    }

    String metric() {
      return labels.metricName();
    }
  }

  private static final class Acc {
    final AttributedSeries series;
    long[] ts = new long[64];
    double[] vs = new double[64];
    int n;

    Acc(AttributedSeries series) {
      this.series = series;
    }

    void add(long t, double v) {
      if (n > 0 && t <= ts[n - 1]) {
        return;
      }
      if (n == ts.length) {
        ts = Arrays.copyOf(ts, n * 2);
        vs = Arrays.copyOf(vs, n * 2);
      }
      ts[n] = t;
      vs[n] = v;
      n++;
    }
  }

  /** Simulates the corpus mesh for 6 hours and writes every series' samples; returns the count. */
  static int writeCorpus(Path file) throws IOException {
    MeshSimulator sim =
        new MeshSimulator(
            SimulatorSettings.defaults()
                .withExtraTenants(CORPUS_EXTRA_TENANTS)
                .withReplicasPerWorkload(CORPUS_REPLICAS)
                .withRequestsPerSecond(CORPUS_RPS),
            START);
    OtlpMetricsTranslator translator = new OtlpMetricsTranslator(TranslatorSettings.defaults());
    MetricAttributor attributor = new MetricAttributor(tenants(CORPUS_EXTRA_TENANTS));
    Map<Labels, Acc> series = new LinkedHashMap<>();
    for (int tick = 1; tick <= CORPUS_TICKS; tick++) {
      TickOutput o = sim.tick(START.plusMillis(STEP_MS * tick));
      for (ExportMetricsServiceRequest r : o.metrics()) {
        translator.translate(
            r,
            (labels, t, v) ->
                series
                    .computeIfAbsent(labels, l -> new Acc(attributor.attribute(l, null)))
                    .add(t, v));
      }
    }
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
      out.writeInt(series.size());
      for (Acc a : series.values()) {
        Labels l = a.series.labels();
        out.writeInt(l.size());
        for (int i = 0; i < l.size(); i++) {
          out.writeUTF(l.name(i));
          out.writeUTF(l.value(i));
        }
        Set<String> vis = new TreeSet<>(a.series.visibleTo());
        out.writeInt(vis.size());
        for (String t : vis) {
          out.writeUTF(t);
        }
        out.writeInt(a.n);
        for (int i = 0; i < a.n; i++) {
          out.writeLong(a.ts[i]);
        }
        for (int i = 0; i < a.n; i++) {
          out.writeDouble(a.vs[i]);
        }
      }
    }
    return series.size();
  }

  static List<CorpusSeries> readCorpus(Path file) {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      int count = in.readInt();
      List<CorpusSeries> out = new ArrayList<>(count);
      Map<String, String> strings = new HashMap<>();
      for (int s = 0; s < count; s++) {
        Labels.Builder b = Labels.builder();
        int nl = in.readInt();
        for (int i = 0; i < nl; i++) {
          String name = strings.computeIfAbsent(in.readUTF(), k -> k);
          b.put(name, strings.computeIfAbsent(in.readUTF(), k -> k));
        }
        int nv = in.readInt();
        Set<String> vis = new TreeSet<>();
        for (int i = 0; i < nv; i++) {
          vis.add(in.readUTF());
        }
        int n = in.readInt();
        long[] ts = new long[n];
        double[] vs = new double[n];
        for (int i = 0; i < n; i++) {
          ts[i] = in.readLong();
        }
        for (int i = 0; i < n; i++) {
          vs[i] = in.readDouble();
        }
        out.add(new CorpusSeries(b.build(), Set.copyOf(vis), ts, vs));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kind of a series for the per-kind breakdown. */
  static String kind(String metric) {
    if (metric.endsWith("_bucket")) {
      return "histogram bucket";
    }
    if (metric.endsWith("_sum")) {
      return "histogram/summary sum";
    }
    if (metric.endsWith("_total") || metric.endsWith("_count")) {
      return "counter";
    }
    return "gauge";
  }

  /**
   * Values for the samples after the identity ticks: each series replays the corpus series of the
   * same metric chosen by its id, so a 1,000,000-series head holds realistic counters and gauges.
   */
  static final class ValueModel {
    private final Map<String, List<double[]>> byMetric = new HashMap<>();
    private final List<double[]> all = new ArrayList<>();

    ValueModel(List<CorpusSeries> corpus, int minSamples) {
      for (CorpusSeries c : corpus) {
        if (c.size() >= minSamples) {
          byMetric.computeIfAbsent(c.metric(), k -> new ArrayList<>()).add(c.vs());
          all.add(c.vs());
        }
      }
    }

    /** The value sequence for a series of {@code metric} with id {@code id}. */
    double[] valuesFor(String metric, int id) {
      List<double[]> l = byMetric.getOrDefault(metric, all);
      return l.get(Math.floorMod(id * 0x9E3779B1, l.size()));
    }
  }
}
