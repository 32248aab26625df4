package io.meshlens.query.promql.compliance;

import io.meshlens.model.Labels;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.AttributedSeries;
import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The deterministic data both engines are loaded with: three hours of 15 s scrapes of three
 * instances of a service modelled on julius/prometheus-demo-service (the metric names of the
 * prometheus/compliance queries) plus series those queries do not cover: counters that reset when
 * an instance restarts, an instance that misses scrapes for longer than the lookback, a metric that
 * comes and goes every ten minutes, short-lived pod series, gauges with NaN and infinities, and a
 * sparse counter.
 *
 * <p>Every sample exists first as OpenMetrics text (value and timestamp in seconds); Meshlens gets
 * the values and timestamps parsed from that text the way Prometheus' OpenMetrics parser parses
 * them ({@code int64(seconds * 1000)}), so both stores hold exactly the same samples.
 */
final class ComplianceDataset {

  /** 2023-11-14T22:00:00Z, on a 2 h TSDB block boundary. */
  static final long START_MS = 1_699_999_200_000L;

  static final long INTERVAL_MS = 15_000;

  /** Three hours of scrapes. */
  static final int SCRAPES = 720;

  static final long END_MS = START_MS + (SCRAPES - 1) * INTERVAL_MS;

  static final String JOB = "demo";

  static final String[] INSTANCES = {
    "demo.promlabs.com:10000", "demo.promlabs.com:10001", "demo.promlabs.com:10002"
  };

  /** The scrape at which instance 1 restarts: its counters start again from zero. */
  static final int RESTART_SCRAPE = 400;

  /** Instance 2 misses these scrapes (7.5 min, longer than the 5 min lookback). */
  static final int GAP_FROM = 200;

  static final int GAP_TO = 230;

  private static final String[] LE = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"
  };

  /** One series: its labels and its samples as OpenMetrics text. */
  record Series(Labels labels, List<String> timestamps, List<String> values) {}

  private final List<Series> series = new ArrayList<>();
  private final Random random = new Random(20231114);

  /** Per instance, the timestamp text of each scrape (null when the scrape was missed). */
  private final String[][] scrapeTimes = new String[INSTANCES.length][SCRAPES];

  private ComplianceDataset() {}

  static ComplianceDataset generate() {
    ComplianceDataset d = new ComplianceDataset();
    d.scrapeTimes();
    d.demoService();
    d.extraSeries();
    return d;
  }

  List<Series> series() {
    return series;
  }

  long sampleCount() {
    return series.stream().mapToLong(s -> s.values().size()).sum();
  }

  /** Writes the OpenMetrics text {@code promtool tsdb create-blocks-from openmetrics} reads. */
  void writeOpenMetrics(Path file) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Series s : series) {
        String name = seriesText(s.labels());
        for (int i = 0; i < s.values().size(); i++) {
          w.write(name);
          w.write(' ');
          w.write(s.values().get(i));
          w.write(' ');
          w.write(s.timestamps().get(i));
          w.write('\n');
        }
      }
      w.write("# EOF\n");
    }
  }

  /** Loads the same samples into {@code store}, every series owned by one tenant. */
  void load(MetricStore store) {
    for (Series s : series) {
      int id = store.seriesId(new AttributedSeries(s.labels(), "demo", "local", Set.of("demo")));
      for (int i = 0; i < s.values().size(); i++) {
        store.append(id, timestampMs(s.timestamps().get(i)), value(s.values().get(i)));
      }
    }
  }

  /** As Prometheus' OpenMetrics parser: {@code int64(ParseFloat(text) * 1000)}. */
  static long timestampMs(String seconds) {
    return (long) (Double.parseDouble(seconds) * 1000);
  }

  static double value(String text) {
    return switch (text) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  private static String seriesText(Labels labels) {
    StringBuilder b = new StringBuilder(labels.metricName()).append('{');
    boolean first = true;
    for (int i = 0; i < labels.size(); i++) {
      if (labels.name(i).equals(Labels.METRIC_NAME)) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append(labels.name(i)).append("=\"");
      for (char c : labels.value(i).toCharArray()) {
        switch (c) {
          case '\\' -> b.append("\\\\");
          case '"' -> b.append("\\\"");
          case '\n' -> b.append("\\n");
          default -> b.append(c);
        }
      }
      b.append('"');
    }
    return b.append('}').toString();
  }

  private void scrapeTimes() {
    long[] phase = {0, 4_000, 9_500};
    for (int inst = 0; inst < INSTANCES.length; inst++) {
      for (int i = 0; i < SCRAPES; i++) {
        boolean missed = inst == 2 && i >= GAP_FROM && i < GAP_TO;
        // Real scrapes start a few milliseconds late or early.
        long ms = START_MS + i * INTERVAL_MS + phase[inst] + random.nextInt(7) - 3;
        scrapeTimes[inst][i] = missed ? null : seconds(ms);
      }
    }
  }

  private static String seconds(long ms) {
    return BigDecimal.valueOf(ms, 3).toPlainString();
  }

  private static String num(double v, int decimals) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return BigDecimal.valueOf(v)
        .setScale(decimals, RoundingMode.HALF_EVEN)
        .stripTrailingZeros()
        .toPlainString();
  }

  private Labels labels(String name, String... namesAndValues) {
    TreeMap<String, String> m = new TreeMap<>();
    m.put(Labels.METRIC_NAME, name);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      m.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return Labels.fromMap(m);
  }

  /** A series scraped from {@code inst}; {@code values[i]} null means no sample at scrape i. */
  private void add(Labels labels, int inst, String[] values) {
    List<String> ts = new ArrayList<>();
    List<String> vs = new ArrayList<>();
    for (int i = 0; i < SCRAPES; i++) {
      String t = scrapeTimes[inst][i];
      if (t != null && values[i] != null) {
        ts.add(t);
        vs.add(values[i]);
      }
    }
    if (!vs.isEmpty()) {
      series.add(new Series(labels, ts, vs));
    }
  }

  private static boolean restartedAt(int inst, int i) {
    return inst == 1 && i == RESTART_SCRAPE;
  }

  private double cpus(int inst, int i) {
    return switch (inst) {
      case 0 -> 4;
      case 1 -> i >= RESTART_SCRAPE ? 6 : 8;
      default -> 2;
    };
  }

  private void demoService() {
    for (int inst = 0; inst < INSTANCES.length; inst++) {
      String instance = INSTANCES[inst];
      String[] numCpus = new String[SCRAPES];
      for (int i = 0; i < SCRAPES; i++) {
        numCpus[i] = num(cpus(inst, i), 0);
      }
      add(labels("demo_num_cpus", "instance", instance, "job", JOB), inst, numCpus);
      add(
          labels(
              "demo_build_info",
              "instance",
              instance,
              "job",
              JOB,
              "version",
              "0." + (inst + 3) + ".1",
              "goversion",
              "go1.19"),
          inst,
          constant("1"));

      // CPU seconds by mode: counters, reset when the instance restarts.
      String[] modes = {"idle", "system", "user"};
      double[] share = {0.65, 0.08, 0.22};
      for (int m = 0; m < modes.length; m++) {
        String[] v = new String[SCRAPES];
        double c = 1000 * (inst + 1) * share[m];
        for (int i = 0; i < SCRAPES; i++) {
          if (restartedAt(inst, i)) {
            c = 0;
          }
          c += cpus(inst, i) * 15 * share[m] * (0.6 + 0.8 * random.nextDouble());
          c = Double.parseDouble(num(c, 3));
          v[i] = num(c, 3);
        }
        add(
            labels(
                "demo_cpu_usage_seconds_total", "instance", instance, "job", JOB, "mode", modes[m]),
            inst,
            v);
      }

      // Memory by type: gauges in bytes.
      String[] types = {"buffers", "cached", "free", "used"};
      String[][] mem = new String[types.length][SCRAPES];
      for (int i = 0; i < SCRAPES; i++) {
        double total = cpus(inst, i) * 2 * 1024 * 1024 * 1024;
        double used =
            Math.floor(total * (0.45 + 0.2 * Math.sin(i / 40.0 + inst)) + random.nextInt(1 << 20));
        double buffers = 50_000_000 + random.nextInt(10_000_000);
        double cached = Math.floor(total * 0.15) + random.nextInt(1 << 24);
        mem[0][i] = num(buffers, 0);
        mem[1][i] = num(cached, 0);
        mem[2][i] = num(total - used - buffers - cached, 0);
        mem[3][i] = num(used, 0);
      }
      for (int t = 0; t < types.length; t++) {
        add(
            labels("demo_memory_usage_bytes", "instance", instance, "job", JOB, "type", types[t]),
            inst,
            mem[t]);
      }

      // Disk usage grows and is cleaned up every hour.
      String[] disk = new String[SCRAPES];
      double used = 20e9 * (inst + 1);
      for (int i = 0; i < SCRAPES; i++) {
        used += random.nextInt(2_000_000);
        if (i % 240 == 239) {
          used = Math.floor(used * 0.6);
        }
        disk[i] = num(used, 0);
      }
      add(labels("demo_disk_usage_bytes", "instance", instance, "job", JOB), inst, disk);
      add(
          labels("demo_disk_total_bytes", "instance", instance, "job", JOB),
          inst,
          constant("100000000000"));

      // A batch job every 5 minutes that fails one time in five.
      String[] lastSuccess = new String[SCRAPES];
      String[] processed = new String[SCRAPES];
      long success = START_MS / 1000 - 240;
      double bytes = 0;
      for (int i = 0; i < SCRAPES; i++) {
        if (i % 20 == 7 + inst && random.nextInt(5) != 0) {
          success = (START_MS + i * INTERVAL_MS) / 1000;
          bytes = random.nextInt(100_000_000);
        }
        lastSuccess[i] = Long.toString(success);
        processed[i] = num(bytes, 0);
      }
      add(
          labels("demo_batch_last_success_timestamp_seconds", "instance", instance, "job", JOB),
          inst,
          lastSuccess);
      add(
          labels("demo_batch_last_run_processed_bytes", "instance", instance, "job", JOB),
          inst,
          processed);

      // Present for ten minutes, absent for ten.
      String[] intermittent = new String[SCRAPES];
      for (int i = 0; i < SCRAPES; i++) {
        intermittent[i] = ((i + 13 * inst) / 40) % 2 == 0 ? num(random.nextInt(100), 0) : null;
      }
      add(labels("demo_intermittent_metric", "instance", instance, "job", JOB), inst, intermittent);

      String[] shipped = new String[SCRAPES];
      double items = 500 * inst;
      for (int i = 0; i < SCRAPES; i++) {
        if (restartedAt(inst, i)) {
          items = 0;
        }
        items += random.nextInt(12);
        shipped[i] = num(items, 0);
      }
      add(labels("demo_items_shipped_total", "instance", instance, "job", JOB), inst, shipped);

      histograms(inst);
    }
  }

  private void histograms(int inst) {
    String[][] combos = {
      {"GET", "/api/foo", "200"},
      {"GET", "/api/bar", "200"},
      {"GET", "/api/bar", "500"},
      {"POST", "/api/foo", "200"},
      {"POST", "/api/bar", "503"}
    };
    for (String[] c : combos) {
      boolean error = !c[2].equals("200");
      double mean = c[1].equals("/api/foo") ? 0.08 : 0.4;
      long[] counts = new long[LE.length];
      double sum = 0;
      String[][] buckets = new String[LE.length][SCRAPES];
      String[] sums = new String[SCRAPES];
      for (int i = 0; i < SCRAPES; i++) {
        if (restartedAt(inst, i)) {
          counts = new long[LE.length];
          sum = 0;
        }
        int n = random.nextInt(error ? 4 : 40);
        for (int k = 0; k < n; k++) {
          double d = -mean * Math.log(1 - random.nextDouble());
          sum += d;
          for (int b = 0; b < LE.length; b++) {
            if (b == LE.length - 1 || d <= Double.parseDouble(LE[b])) {
              counts[b]++;
            }
          }
        }
        sum = Double.parseDouble(num(sum, 6));
        for (int b = 0; b < LE.length; b++) {
          buckets[b][i] = Long.toString(counts[b]);
        }
        sums[i] = num(sum, 6);
      }
      String[] common = {
        "instance", INSTANCES[inst], "job", JOB, "method", c[0], "path", c[1], "status", c[2]
      };
      for (int b = 0; b < LE.length; b++) {
        String[] l = Arrays.copyOf(common, common.length + 2);
        l[common.length] = "le";
        l[common.length + 1] = LE[b];
        add(labels("demo_api_request_duration_seconds_bucket", l), inst, buckets[b]);
      }
      add(labels("demo_api_request_duration_seconds_sum", common), inst, sums);
      add(labels("demo_api_request_duration_seconds_count", common), inst, buckets[LE.length - 1]);
    }
  }

  private void extraSeries() {
    // Temperatures with NaN and infinite readings.
    String[] sensors = {"cpu", "gpu"};
    for (int inst = 0; inst < INSTANCES.length; inst++) {
      for (int s = 0; s < sensors.length; s++) {
        String[] v = new String[SCRAPES];
        for (int i = 0; i < SCRAPES; i++) {
          double t = 45 + 10 * Math.sin(i / 30.0 + inst + s) + random.nextDouble() * 3;
          if (inst == 0 && s == 0 && i >= 100 && i < 104) {
            t = Double.NaN;
          } else if (inst == 1 && s == 1 && i >= 238 && i < 242) {
            t = Double.POSITIVE_INFINITY;
          } else if (inst == 2 && s == 0 && i >= 500 && i < 504) {
            t = Double.NEGATIVE_INFINITY;
          }
          v[i] = num(t, 2);
        }
        add(
            labels(
                "node_temperature_celsius",
                "instance",
                INSTANCES[inst],
                "job",
                "node",
                "sensor",
                sensors[s]),
            inst,
            v);
      }
      // Network counters, one of them scraped only every 6 minutes.
      for (int dev = 0; dev < 10; dev++) {
        String[] v = new String[SCRAPES];
        double bytes = 1e12 + random.nextInt(1_000_000_000);
        boolean sparse = inst == 0 && dev == 3;
        for (int i = 0; i < SCRAPES; i++) {
          bytes += random.nextInt(5_000_000);
          v[i] = sparse && i % 24 != 0 ? null : num(bytes, 0);
        }
        add(
            labels(
                "net_bytes_total",
                "instance",
                INSTANCES[inst],
                "job",
                "node",
                "device",
                "eth" + dev),
            inst,
            v);
      }
    }
    // Pods that live between 5 minutes and an hour.
    for (int p = 0; p < 60; p++) {
      int from = random.nextInt(SCRAPES - 20);
      int to = Math.min(SCRAPES, from + 20 + random.nextInt(220));
      String[] v = new String[SCRAPES];
      double c = 0;
      for (int i = from; i < to; i++) {
        c += random.nextDouble() * 7.5;
        v[i] = num(c, 3);
      }
      add(
          labels(
              "pod_cpu_seconds_total",
              "namespace",
              p % 3 == 0 ? "b" : "a",
              "pod",
              "app-" + p,
              "job",
              "kubelet"),
          p % INSTANCES.length,
          v);
    }
    // Buckets whose bounds are spelt differently ("1" and "1.0"), are not in order, one without
    // a number, and counts that are not monotonic.
    String[] odd = {"0.05", "1.0", "0.1", "1", "5e0", "fast", "+Inf"};
    long[] counts = new long[odd.length];
    String[][] oddValues = new String[odd.length][SCRAPES];
    for (int i = 0; i < SCRAPES; i++) {
      long n = 0;
      for (int b = 0; b < odd.length; b++) {
        n += random.nextInt(3);
        counts[b] += b == 2 && i % 50 == 0 ? 0 : n;
        oddValues[b][i] = Long.toString(counts[b]);
      }
    }
    for (int b = 0; b < odd.length; b++) {
      add(labels("odd_request_seconds_bucket", "job", JOB, "le", odd[b]), 1, oddValues[b]);
    }
    // Label values that need escaping or are not ASCII, for matchers and label_replace.
    String[] texts = {
      "a\nb",
      "a\rb",
      "a\u2028b",
      "tab\tx",
      "quote\"d",
      "back\\slash",
      "Ünïcödé",
      "ü",
      "ÜBER",
      "plain"
    };
    for (String text : texts) {
      add(labels("label_escapes", "job", JOB, "v", text), 0, constant("1"));
    }
    // A recording rule's output, with a colon in its name.
    String[] v = new String[SCRAPES];
    for (int i = 0; i < SCRAPES; i++) {
      v[i] = num(20 + random.nextDouble() * 5, 4);
    }
    add(labels("job:demo_api_requests:rate5m", "job", JOB), 0, v);
  }

  private static String[] constant(String v) {
    String[] out = new String[SCRAPES];
    Arrays.fill(out, v);
    return out;
  }
}
