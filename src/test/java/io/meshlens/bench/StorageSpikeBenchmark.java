package io.meshlens.bench;

import static io.meshlens.bench.SpikeData.IDENTITY_EXTRA_TENANTS;
import static io.meshlens.bench.SpikeData.START;
import static io.meshlens.bench.SpikeData.STEP_MS;
import static io.meshlens.bench.SpikeReport.liveHeap;
import static io.meshlens.bench.SpikeReport.percentileMs;

import io.meshlens.bench.SpikeData.CorpusSeries;
import io.meshlens.ingest.IngestStats;
import io.meshlens.ingest.MetricsPipeline;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.model.Labels;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesData;
import io.meshlens.store.XorChunk;
import io.meshlens.tenancy.MetricAttributor;
import io.meshlens.tenancy.TenantDirectory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.roaringbitmap.RoaringBitmap;

/**
 * The storage spike of issue 4: measures candidate metric sample stores against its targets and
 * writes {@code docs/storage-spike-results.md}. See {@code docs/storage-spike.md} for the command,
 * the method and the conclusions.
 *
 * <p>Without arguments it runs every step, each in its own JVM with an explicit {@code -Xmx} so
 * that heap figures do not mix: {@code prepare} (simulate and store the data sets), {@code
 * heap-metricstore}, {@code heap-interned}, {@code heap-interned-chunks}, {@code disk}, {@code
 * scale}, then {@code report}. One step can be run alone by naming it. Data and fragments go to
 * {@code -Dspike.work} (default {@code target/storage-spike}).
 *
 * <p>Not a test: named so that Surefire never runs it.
 */
public final class StorageSpikeBenchmark {

  static final Path WORK = Path.of(System.getProperty("spike.work", "target/storage-spike"));
  static final Path OUT = Path.of(System.getProperty("spike.out", "docs/storage-spike-results.md"));

  static final Path IDENTITY = WORK.resolve("identity.bin");
  static final Path CORPUS = WORK.resolve("corpus.bin");

  /** 2 hours of 15 s samples: one Prometheus head block / one compaction input block. */
  static final int BLOCK_SAMPLES = 480;

  /** Series read by the typical query. */
  static final int READ_SERIES = 1000;

  static final int WARMUP_RUNS = 10;
  static final int TIMED_RUNS = 60;

  /** Upper bound (exclusive) of the scrape jitter in the jittered variant, milliseconds. */
  static final int JITTER_MS = 25;

  private static final String[][] STEPS = {
    {"prepare", "-Xmx10g"},
    {"heap-metricstore", "-Xmx12g"},
    {"heap-interned", "-Xmx6g"},
    {"heap-interned-chunks", "-Xmx6g"},
    {"disk", "-Xmx6g"},
    {"scale", "-Xmx6g"},
  };

  private StorageSpikeBenchmark() {}

  public static void main(String[] args) throws Exception {
    Files.createDirectories(WORK);
    String step = args.length == 0 ? "all" : args[0];
    switch (step) {
      case "all" -> all();
      case "prepare" -> prepare();
      case "heap-metricstore" -> heapMetricStore();
      case "heap-interned" -> heapInterned(false);
      case "heap-interned-chunks" -> heapInterned(true);
      case "disk" -> disk();
      case "scale" -> scale();
      case "report" -> report();
      default -> {
        System.err.println(
            "usage: StorageSpikeBenchmark [all|prepare|heap-metricstore|heap-interned"
                + "|heap-interned-chunks|disk|scale|report]");
        System.exit(2);
      }
    }
  }

  // ------------------------------------------------------------------ orchestration

  private static void all() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    for (String[] s : STEPS) {
      if (s[0].equals("prepare") && Files.exists(IDENTITY) && Files.exists(CORPUS)) {
        System.out.println("== prepare: reusing " + IDENTITY + " and " + CORPUS);
        continue;
      }
      System.out.println("== " + s[0] + " (" + s[1] + ")");
      Process p =
          new ProcessBuilder(
                  java,
                  s[1],
                  "-XX:+UseG1GC",
                  "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                  "-Dspike.work=" + WORK,
                  "-cp",
                  cp,
                  StorageSpikeBenchmark.class.getName(),
                  s[0])
              .inheritIO()
              .start();
      int rc = p.waitFor();
      if (rc != 0) {
        throw new IllegalStateException(s[0] + " failed with exit code " + rc);
      }
    }
    report();
  }

  private static void prepare() throws IOException {
    SpikeReport r = new SpikeReport("prepare");
    long t0 = System.nanoTime();
    int messages = SpikeData.writeIdentity(IDENTITY);
    r.line(
        "- identity: %d OTLP requests, %s, %d ticks of the simulator with %d extra tenants,"
            + " %d replicas, %.0f requests/s (%.0f s)",
        messages,
        SpikeReport.mb(Files.size(IDENTITY)),
        SpikeData.IDENTITY_TICKS,
        IDENTITY_EXTRA_TENANTS,
        SpikeData.IDENTITY_REPLICAS,
        SpikeData.IDENTITY_RPS,
        (System.nanoTime() - t0) / 1e9);
    t0 = System.nanoTime();
    int series = SpikeData.writeCorpus(CORPUS);
    r.line(
        "- corpus: %d series, %d ticks of 15 s (6 h), simulator with %d extra tenants, %d"
            + " replicas, %.0f requests/s; %s (%.0f s)",
        series,
        SpikeData.CORPUS_TICKS,
        SpikeData.CORPUS_EXTRA_TENANTS,
        SpikeData.CORPUS_REPLICAS,
        SpikeData.CORPUS_RPS,
        SpikeReport.mb(Files.size(CORPUS)),
        (System.nanoTime() - t0) / 1e9);
    r.save(WORK);
  }

  static long ts(int k) {
    return START.toEpochMilli() + STEP_MS * (k + 1);
  }

  /** Every 20th synthetic tenant: about 5% of the series, like "one tenant of 20". */
  static Set<String> fivePercentScope() {
    Set<String> s = new TreeSet<>();
    for (int i = 1; i <= IDENTITY_EXTRA_TENANTS; i += 20) {
      s.add(String.format("tenant-%03d", i));
    }
    return s;
  }

  static final Set<String> ONE_TENANT = Set.of("tenant-042");

  // ------------------------------------------------------------------ (a) MetricStore

  private static void heapMetricStore() throws Exception {
    SpikeReport r = new SpikeReport("heap-metricstore");
    TenantDirectory dir = SpikeData.tenants(IDENTITY_EXTRA_TENANTS);
    SpikeData.ValueModel model =
        new SpikeData.ValueModel(SpikeData.readCorpus(CORPUS), BLOCK_SAMPLES);
    MetricStore store = new MetricStore();
    IngestStats stats = new IngestStats("metrics");
    MetricsPipeline[] pipeline = {
      new MetricsPipeline(
          new OtlpMetricsTranslator(TranslatorSettings.defaults()),
          () -> dir,
          store,
          stats,
          MetricsPipeline.Encoding.OTLP_PROTO,
          Integer.MAX_VALUE)
    };
    long base = liveHeap();
    long[] tickNanos = new long[SpikeData.IDENTITY_TICKS + 1];
    long[] tickSamples = new long[SpikeData.IDENTITY_TICKS + 1];
    SpikeData.readIdentity(
        IDENTITY,
        m -> {
          long s0 = stats.samples() + stats.duplicateSamples();
          long t0 = System.nanoTime();
          pipeline[0].accept("otlp_metrics", m.bytes(), null);
          tickNanos[m.tick()] += System.nanoTime() - t0;
          tickSamples[m.tick()] += stats.samples() + stats.duplicateSamples() - s0;
        });
    int n = store.seriesCount();
    r.line("### (a) MetricStore as is (`io.meshlens.store.MetricStore` + `MetricsPipeline`)");
    r.line("");
    r.line("- series: %,d; samples stored: %,d", n, store.sampleCount());
    ingestLines(r, "a", tickNanos, tickSamples);
    long withPipeline = liveHeap() - base;
    pipeline[0] = null;
    long storeOnly = liveHeap() - base;
    r.line(
        "- heap after the 3 identity ticks: %,.0f bytes/series with the pipeline's series cache,"
            + " %,.0f bytes/series for the store alone",
        withPipeline / (double) n, storeOnly / (double) n);
    r.key("a.series", n);
    r.key("a.heapPerSeries.identity", withPipeline / (double) n);
    r.key("a.heapPerSeries.storeOnly", storeOnly / (double) n);

    long t0 = System.nanoTime();
    long appended = 0;
    for (int k = SpikeData.IDENTITY_TICKS; k < XorChunk.SAMPLES_PER_CHUNK; k++) {
      long t = ts(k);
      for (int id = 0; id < n; id++) {
        if (store.append(id, t, model.valuesFor("", id)[k])) {
          appended++;
        }
      }
    }
    double appendRate = appended / ((System.nanoTime() - t0) / 1e9);
    long at120 = liveHeap() - base;
    r.line(
        "- heap with 120 samples/series (30 min at 15 s) incl. pipeline cache dropped: %,.0f"
            + " bytes/series; store append alone: %,.0f samples/s",
        at120 / (double) n, appendRate);
    r.key("a.heapPerSeries.120", at120 / (double) n);
    r.key("a.appendRate", appendRate);
    histogram(r);
    long maxT = ts(XorChunk.SAMPLES_PER_CHUNK - 1);
    for (Object[] q : queries()) {
      @SuppressWarnings("unchecked")
      Set<String> scope = (Set<String>) q[1];
      List<LabelMatcher> ms = List.of(LabelMatcher.equal("__name__", (String) q[2]));
      long[] nanos = new long[TIMED_RUNS];
      int[] found = new int[2];
      for (int i = 0; i < WARMUP_RUNS + TIMED_RUNS; i++) {
        long a = System.nanoTime();
        List<SeriesData> res = store.select(Scope.tenants(scope), ms, maxT - 3_600_000, maxT);
        long b = System.nanoTime();
        if (i >= WARMUP_RUNS) {
          nanos[i - WARMUP_RUNS] = b - a;
        }
        found[0] = res.size();
        found[1] = res.stream().mapToInt(SeriesData::size).sum();
      }
      r.line(
          "- select %s: %,d series, %,d samples: p50 %.1f ms, p99 %.1f ms",
          q[0], found[0], found[1], percentileMs(nanos, 50), percentileMs(nanos, 99));
      r.key("a.select." + q[3] + ".p99", percentileMs(nanos, 99));
      r.key("a.select." + q[3] + ".series", found[0]);
    }
    r.save(WORK);
  }

  private static List<Object[]> queries() {
    return List.of(
        new Object[] {
          "istio_requests_total, 5% scope (39 tenants), last 1 h",
          fivePercentScope(),
          "istio_requests_total",
          "requests5pct"
        },
        new Object[] {
          "istio_request_duration_milliseconds_bucket, 1 tenant, last 1 h",
          ONE_TENANT,
          "istio_request_duration_milliseconds_bucket",
          "buckets1tenant"
        });
  }

  private static void ingestLines(SpikeReport r, String key, long[] nanos, long[] samples) {
    for (int t = 1; t < nanos.length; t++) {
      double rate = samples[t] / (nanos[t] / 1e9);
      r.line(
          "- ingest tick %d: %,d samples in %.1f s = %,.0f samples/s (one thread: decode,"
              + " translate, attribute, store)",
          t, samples[t], nanos[t] / 1e9, rate);
      r.key(key + ".ingest.tick" + t, rate);
    }
  }

  private static void histogram(SpikeReport r) {
    r.line("");
    r.line("  Live objects, largest classes:");
    r.line("");
    r.line("  ```");
    for (String l : SpikeReport.classHistogram(10)) {
      r.line("  %s", l);
    }
    r.line("  ```");
  }

  // ------------------------------------------------------------------ (b) and (c) in memory

  private static void heapInterned(boolean chunks) throws Exception {
    String key = chunks ? "bc" : "b";
    SpikeReport r = new SpikeReport(chunks ? "heap-interned-chunks" : "heap-interned");
    TenantDirectory dir = SpikeData.tenants(IDENTITY_EXTRA_TENANTS);
    SpikeData.ValueModel model =
        new SpikeData.ValueModel(SpikeData.readCorpus(CORPUS), BLOCK_SAMPLES);
    OtlpMetricsTranslator translator = new OtlpMetricsTranslator(TranslatorSettings.defaults());
    MetricAttributor attributor = new MetricAttributor(dir);
    InternedHead head = new InternedHead(chunks);
    long base = liveHeap();
    long[] tickNanos = new long[SpikeData.IDENTITY_TICKS + 1];
    long[] tickSamples = new long[SpikeData.IDENTITY_TICKS + 1];
    long[] seen = new long[1];
    SpikeData.readIdentity(
        IDENTITY,
        m -> {
          long t0 = System.nanoTime();
          long s0 = seen[0];
          ExportMetricsServiceRequest req = ExportMetricsServiceRequest.parseFrom(m.bytes());
          translator.translate(
              req,
              (labels, t, v) -> {
                int id = head.lookup(labels);
                if (id < 0) {
                  id = head.add(labels, attributor.attribute(labels, null));
                }
                head.append(id, t, v);
                seen[0]++;
              });
          tickNanos[m.tick()] += System.nanoTime() - t0;
          tickSamples[m.tick()] += seen[0] - s0;
        });
    int n = head.seriesCount();
    r.line(
        chunks
            ? "### (b)+(c) interned labels, RoaringBitmap postings, Gorilla head chunks"
            : "### (b) interned labels + RoaringBitmap postings (index only, samples not kept)");
    r.line("");
    r.line(
        "- series: %,d; symbols: %,d; label-pair postings: %,d (RoaringBitmap size estimate"
            + " %s = %.0f bytes/series)",
        n,
        head.symbolCount(),
        head.postingsCount(),
        SpikeReport.mb(head.postingsBytes()),
        head.postingsBytes() / (double) n);
    ingestLines(r, key, tickNanos, tickSamples);
    long identity = liveHeap() - base;
    r.line(
        "- heap after the 3 identity ticks: %,.0f bytes/series%s",
        identity / (double) n, chunks ? " (3 samples in each open chunk)" : "");
    r.key(key + ".series", n);
    r.key(key + ".heapPerSeries.identity", identity / (double) n);

    if (chunks) {
      double[][] values = new double[n][];
      for (int id = 0; id < n; id++) {
        values[id] = model.valuesFor(head.metric(id), id);
      }
      long scaffolding = liveHeap() - base - identity;
      for (int[] range : new int[][] {{SpikeData.IDENTITY_TICKS, 120}, {120, BLOCK_SAMPLES}}) {
        long t0 = System.nanoTime();
        long before = head.sampleCount();
        for (int k = range[0]; k < range[1]; k++) {
          long t = ts(k);
          for (int id = 0; id < n; id++) {
            head.append(id, t, values[id][k]);
          }
        }
        double rate = (head.sampleCount() - before) / ((System.nanoTime() - t0) / 1e9);
        long heap = liveHeap() - base - scaffolding;
        r.line(
            "- heap with %d samples/series (%d min at 15 s): %,.0f bytes/series, of which chunk"
                + " bytes %,.0f/series (%.2f bytes/sample); head append alone %,.0f samples/s",
            range[1],
            range[1] / 4,
            heap / (double) n,
            head.chunkBytes() / (double) n,
            head.chunkBytes() / (double) head.sampleCount(),
            rate);
        r.key(key + ".heapPerSeries." + range[1], heap / (double) n);
        r.key(
            key + ".chunkBytesPerSample." + range[1],
            head.chunkBytes() / (double) head.sampleCount());
        r.key(key + ".appendRate." + range[1], rate);
        if (range[1] == 120) {
          histogram(r);
        }
      }
      values = null;
    } else {
      histogram(r);
    }

    // The index part of a query at 1M series: postings union of the scope, intersect the metric.
    long maxT = ts((chunks ? BLOCK_SAMPLES : SpikeData.IDENTITY_TICKS) - 1);
    long[] tsBuf = new long[BLOCK_SAMPLES + 8];
    double[] vsBuf = new double[BLOCK_SAMPLES + 8];
    for (Object[] q : queries()) {
      @SuppressWarnings("unchecked")
      Set<String> scope = (Set<String>) q[1];
      long[] selectNanos = new long[TIMED_RUNS];
      long[] fullNanos = new long[TIMED_RUNS];
      int[] found = new int[2];
      for (int i = 0; i < WARMUP_RUNS + TIMED_RUNS; i++) {
        long a = System.nanoTime();
        RoaringBitmap ids = head.select(scope, "__name__", (String) q[2]);
        long b = System.nanoTime();
        int samples = 0;
        if (chunks) {
          // what the store's select hands back: labels and copies of the samples, sorted
          List<SeriesData> out = new ArrayList<>();
          for (int id : ids) {
            int c = head.samples(id, maxT - 3_600_000, maxT, tsBuf, vsBuf);
            if (c > 0) {
              out.add(
                  new SeriesData(
                      head.labels(id), Arrays.copyOf(tsBuf, c), Arrays.copyOf(vsBuf, c)));
              samples += c;
            }
          }
          out.sort(Comparator.comparing(SeriesData::labels));
        }
        long e = System.nanoTime();
        if (i >= WARMUP_RUNS) {
          selectNanos[i - WARMUP_RUNS] = b - a;
          fullNanos[i - WARMUP_RUNS] = e - a;
        }
        found[0] = ids.getCardinality();
        found[1] = samples;
      }
      r.line(
          "- postings selection %s at %,d series: %,d series, p50 %.2f ms, p99 %.2f ms",
          q[0], n, found[0], percentileMs(selectNanos, 50), percentileMs(selectNanos, 99));
      r.key(key + ".index." + q[3] + ".p99", percentileMs(selectNanos, 99));
      r.key(key + ".index." + q[3] + ".series", found[0]);
      if (chunks) {
        r.line(
            "- full select from the head (postings, decode chunks, labels, sort) %s: %,d samples,"
                + " p50 %.1f ms, p99 %.1f ms",
            q[0], found[1], percentileMs(fullNanos, 50), percentileMs(fullNanos, 99));
        r.key(key + ".select." + q[3] + ".p99", percentileMs(fullNanos, 99));
      }
    }
    r.save(WORK);
  }

  // ------------------------------------------------------------------ (c), (d), (e) on disk

  /** Series cut to samples at or before {@code maxT}, timestamps optionally jittered. */
  record Cut(CorpusSeries source, long[] ts, double[] vs, int n) {}

  static List<Cut> cut(List<CorpusSeries> corpus, long maxT, boolean jitter) {
    List<Cut> out = new ArrayList<>();
    for (int s = 0; s < corpus.size(); s++) {
      CorpusSeries c = corpus.get(s);
      int n = 0;
      while (n < c.size() && c.ts()[n] <= maxT) {
        n++;
      }
      if (n == 0) {
        continue;
      }
      long[] ts = c.ts();
      if (jitter) {
        ts = new long[n];
        SplittableRandom rnd = new SplittableRandom(s * 7919L + 17);
        for (int i = 0; i < n; i++) {
          ts[i] = c.ts()[i] + rnd.nextInt(JITTER_MS);
        }
      }
      out.add(new Cut(c, ts, c.vs(), n));
    }
    return out;
  }

  private static void disk() throws Exception {
    SpikeReport r = new SpikeReport("disk");
    List<CorpusSeries> corpus = SpikeData.readCorpus(CORPUS);
    long maxT = ts(BLOCK_SAMPLES - 1);
    r.line("### Disk: one 2-hour block of the corpus (15 s scrapes)");
    r.line("");
    for (boolean jitter : new boolean[] {false, true}) {
      String mode = jitter ? "jitter" : "exact";
      List<Cut> cuts = cut(corpus, maxT, jitter);
      long samples = cuts.stream().mapToLong(Cut::n).sum();
      r.line("");
      r.line(
          "#### Timestamps %s: %,d series, %,d samples",
          jitter
              ? "with scrape jitter (uniform 0-" + (JITTER_MS - 1) + " ms per sample)"
              : "on the 15 s grid (what Prometheus' 2 ms timestamp tolerance produces)",
          cuts.size(),
          samples);
      r.line("");
      r.key("disk." + mode + ".series", cuts.size());
      r.key("disk." + mode + ".samples", samples);

      // (c) Gorilla chunks: per kind, pure encode speed, then the block files.
      Map<String, long[]> perKind = new TreeMap<>();
      long t0 = System.nanoTime();
      long payload = 0;
      for (Cut c : cuts) {
        long[] k = perKind.computeIfAbsent(SpikeData.kind(c.source().metric()), x -> new long[3]);
        for (int from = 0; from < c.n(); from += XorChunk.SAMPLES_PER_CHUNK) {
          XorChunk chunk = new XorChunk(256);
          int to = Math.min(c.n(), from + XorChunk.SAMPLES_PER_CHUNK);
          for (int i = from; i < to; i++) {
            chunk.append(c.ts()[i], c.vs()[i]);
          }
          k[0] += chunk.sizeBytes();
          k[1] += to - from;
          payload += chunk.sizeBytes();
        }
        k[2]++;
      }
      double encodeRate = samples / ((System.nanoTime() - t0) / 1e9);
      r.line("Gorilla/XOR chunk payload by kind of series:");
      r.line("");
      r.line("| kind | series | samples | bytes/sample |");
      r.line("|---|---:|---:|---:|");
      for (Map.Entry<String, long[]> e : perKind.entrySet()) {
        long[] k = e.getValue();
        r.line(
            "| %s | %,d | %,d | %.2f |", e.getKey(), k[2], k[1], k[0] / (double) Math.max(1, k[1]));
        r.key(
            "c." + mode + ".kind." + e.getKey().replace(' ', '_').replace('/', '_'),
            k[0] / (double) k[1]);
      }
      r.line("| all | %,d | %,d | %.2f |", cuts.size(), samples, payload / (double) samples);
      r.line("");
      Path blockDir = WORK.resolve("disk-gorilla-" + mode);
      List<GorillaBlock.Input> inputs = new ArrayList<>();
      for (Cut c : cuts) {
        inputs.add(
            new GorillaBlock.Input(
                c.source().labels(), c.source().visibleTo(), c.ts(), c.vs(), c.n()));
      }
      GorillaBlock.Written w = GorillaBlock.write(blockDir, inputs);
      double total = (w.chunkFileBytes() + w.indexBytes()) / (double) samples;
      r.line(
          "- (c) Gorilla block: chunks file %s (%.2f bytes/sample incl. per-chunk length, encoding"
              + " and CRC), index %s (%.0f bytes/series: symbols, label refs, chunk metas,"
              + " postings); **%.2f bytes/sample in total**; encode %,.0f samples/s, whole block"
              + " write %,.0f samples/s",
          SpikeReport.mb(w.chunkFileBytes()),
          w.chunkFileBytes() / (double) samples,
          SpikeReport.mb(w.indexBytes()),
          w.indexBytes() / (double) cuts.size(),
          total,
          encodeRate,
          samples / (w.nanos() / 1e9));
      r.key("c." + mode + ".bytesPerSample", total);
      r.key("c." + mode + ".chunkBytesPerSample", w.chunkFileBytes() / (double) samples);
      r.key("c." + mode + ".indexBytesPerSeries", w.indexBytes() / (double) cuts.size());
      r.key("c." + mode + ".encodeRate", encodeRate);
      List<int[]> idSets = idSets(cuts.size(), 42);
      long from = START.toEpochMilli() + 30 * 60_000;
      long to = from + 3_600_000 - 1;
      try (GorillaBlock.Reader block = GorillaBlock.open(blockDir)) {
        long[] lat = gorillaReads(block, idSets, from, to, r);
        r.line(
            "- (c) read %d random series over 1 h from the block (mmap, page cache warm): p50 %.2f"
                + " ms, p99 %.2f ms",
            READ_SERIES, percentileMs(lat, 50), percentileMs(lat, 99));
        r.key("c." + mode + ".read.p50", percentileMs(lat, 50));
        r.key("c." + mode + ".read.p99", percentileMs(lat, 99));
      }

      // (d) DuckDB rows, (d2) DuckDB with Gorilla chunks as BLOBs, (e) Parquet.
      Path db = WORK.resolve("disk-duckdb-" + mode + ".duckdb");
      DuckLoad load = duckLoadRows(db, cuts);
      r.line(
          "- (d) DuckDB rows (series_id INTEGER, ts BIGINT, value DOUBLE), Appender, sorted by"
              + " series then time, after CHECKPOINT: %s = **%.2f bytes/sample**; insert %,.0f"
              + " rows/s (threads=1, incl. CHECKPOINT); compression used: %s",
          SpikeReport.mb(load.bytes),
          load.bytes / (double) samples,
          samples / (load.nanos / 1e9),
          load.compression);
      r.key("d." + mode + ".bytesPerSample", load.bytes / (double) samples);
      r.key("d." + mode + ".insertRate", samples / (load.nanos / 1e9));
      long[] dl = duckReads(db, "samples", idSets, from, to);
      r.line(
          "- (d) read %d random series over 1 h: p50 %.1f ms, p99 %.1f ms (threads=2)",
          READ_SERIES, percentileMs(dl, 50), percentileMs(dl, 99));
      r.key("d." + mode + ".read.p50", percentileMs(dl, 50));
      r.key("d." + mode + ".read.p99", percentileMs(dl, 99));

      Path blobDb = WORK.resolve("disk-duckdb-chunks-" + mode + ".duckdb");
      DuckLoad bl = duckLoadChunks(blobDb, cuts);
      r.line(
          "- (d2) DuckDB holding the Gorilla chunks as BLOBs (series_id, min_t, max_t, chunk):"
              + " %s = **%.2f bytes/sample**; insert %,.0f samples/s (threads=1, encode included)",
          SpikeReport.mb(bl.bytes), bl.bytes / (double) samples, samples / (bl.nanos / 1e9));
      r.key("d2." + mode + ".bytesPerSample", bl.bytes / (double) samples);
      r.key("d2." + mode + ".insertRate", samples / (bl.nanos / 1e9));
      long[] bll = duckChunkReads(blobDb, idSets, from, to);
      r.line(
          "- (d2) read %d random series over 1 h (fetch BLOBs, decode in Java): p50 %.1f ms,"
              + " p99 %.1f ms",
          READ_SERIES, percentileMs(bll, 50), percentileMs(bll, 99));
      r.key("d2." + mode + ".read.p50", percentileMs(bll, 50));
      r.key("d2." + mode + ".read.p99", percentileMs(bll, 99));

      Path parquet = WORK.resolve("disk-" + mode + ".parquet");
      Files.deleteIfExists(parquet);
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db);
          Statement st = c.createStatement()) {
        st.execute(
            "COPY samples TO '"
                + parquet
                + "' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)");
      }
      long pq = Files.size(parquet);
      long[] pl = duckReads(null, "read_parquet('" + parquet + "')", idSets, from, to);
      r.line(
          "- (e) Parquet (written by DuckDB, zstd, same rows): %s = **%.2f bytes/sample**; read"
              + " %d series over 1 h through DuckDB: p50 %.1f ms, p99 %.1f ms",
          SpikeReport.mb(pq),
          pq / (double) samples,
          READ_SERIES,
          percentileMs(pl, 50),
          percentileMs(pl, 99));
      r.key("e." + mode + ".bytesPerSample", pq / (double) samples);
      r.key("e." + mode + ".read.p99", percentileMs(pl, 99));
    }
    r.save(WORK);
  }

  /** {@value #TIMED_RUNS} + warm-up sets of {@value #READ_SERIES} distinct random series ids. */
  static List<int[]> idSets(int seriesCount, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < WARMUP_RUNS + TIMED_RUNS; i++) {
      out.add(
          rnd.ints(0, seriesCount)
              .distinct()
              .limit(Math.min(READ_SERIES, seriesCount))
              .sorted()
              .toArray());
    }
    return out;
  }

  private static long[] gorillaReads(
      GorillaBlock.Reader block, List<int[]> idSets, long from, long to, SpikeReport r) {
    long[] tsBuf = new long[4096];
    double[] vsBuf = new double[4096];
    byte[] scratch = new byte[4096];
    long[] nanos = new long[TIMED_RUNS];
    long total = 0;
    for (int i = 0; i < idSets.size(); i++) {
      long a = System.nanoTime();
      long n = 0;
      List<long[]> copies = new ArrayList<>();
      for (int id : idSets.get(i)) {
        int c = block.read(id, from, to, tsBuf, vsBuf, scratch);
        // a select hands back copies of the samples
        copies.add(Arrays.copyOf(tsBuf, c));
        Arrays.copyOf(vsBuf, c);
        n += c;
      }
      long b = System.nanoTime();
      if (i >= WARMUP_RUNS) {
        nanos[i - WARMUP_RUNS] = b - a;
      }
      total = copies.isEmpty() ? 0 : n;
    }
    r.line("- samples per read: %,d", total);
    return nanos;
  }

  record DuckLoad(long bytes, long nanos, String compression) {}

  private static DuckLoad duckLoadRows(Path db, List<Cut> cuts) throws Exception {
    deleteDb(db);
    long t0;
    String compression;
    try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + db)) {
      try (Statement st = c.createStatement()) {
        st.execute("SET threads = 1");
        st.execute("SET memory_limit = '3GB'");
        st.execute("CREATE TABLE samples (series_id INTEGER, ts BIGINT, value DOUBLE)");
      }
      t0 = System.nanoTime();
      try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "samples")) {
        for (int s = 0; s < cuts.size(); s++) {
          Cut cut = cuts.get(s);
          for (int i = 0; i < cut.n(); i++) {
            a.beginRow().append(s).append(cut.ts()[i]).append(cut.vs()[i]).endRow();
          }
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("CHECKPOINT");
      }
      t0 = System.nanoTime() - t0;
      compression = storageInfo(c, "samples");
    }
    return new DuckLoad(dbBytes(db), t0, compression);
  }

  private static DuckLoad duckLoadChunks(Path db, List<Cut> cuts) throws Exception {
    deleteDb(db);
    long t0;
    try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + db)) {
      try (Statement st = c.createStatement()) {
        st.execute("SET threads = 1");
        st.execute("SET memory_limit = '3GB'");
        st.execute(
            "CREATE TABLE chunks (series_id INTEGER, min_t BIGINT, max_t BIGINT, chunk BLOB)");
      }
      t0 = System.nanoTime();
      try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "chunks")) {
        for (int s = 0; s < cuts.size(); s++) {
          Cut cut = cuts.get(s);
          for (int from = 0; from < cut.n(); from += XorChunk.SAMPLES_PER_CHUNK) {
            int to = Math.min(cut.n(), from + XorChunk.SAMPLES_PER_CHUNK);
            XorChunk chunk = new XorChunk(256);
            for (int i = from; i < to; i++) {
              chunk.append(cut.ts()[i], cut.vs()[i]);
            }
            a.beginRow()
                .append(s)
                .append(cut.ts()[from])
                .append(cut.ts()[to - 1])
                .append(chunk.bytes())
                .endRow();
          }
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("CHECKPOINT");
      }
      t0 = System.nanoTime() - t0;
    }
    return new DuckLoad(dbBytes(db), t0, "");
  }

  private static String storageInfo(Connection c, String table) throws SQLException {
    StringBuilder sb = new StringBuilder();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT column_name, compression, count(*) AS segments FROM pragma_storage_info('"
                    + table
                    + "') WHERE segment_type <> 'VALIDITY' GROUP BY ALL ORDER BY 1, 3 DESC")) {
      while (rs.next()) {
        if (sb.length() > 0) {
          sb.append(", ");
        }
        sb.append(rs.getString(1))
            .append(' ')
            .append(rs.getString(2))
            .append(" x")
            .append(rs.getLong(3));
      }
    }
    return sb.toString();
  }

  private static long[] duckReads(Path db, String from, List<int[]> idSets, long minT, long maxT)
      throws SQLException {
    long[] nanos = new long[TIMED_RUNS];
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + (db == null ? "" : db));
        Statement st = c.createStatement()) {
      st.execute("SET threads = 2");
      for (int i = 0; i < idSets.size(); i++) {
        String ids =
            IntStream.of(idSets.get(i))
                .mapToObj(Integer::toString)
                .collect(Collectors.joining(","));
        long a = System.nanoTime();
        int rows = 0;
        try (ResultSet rs =
            st.executeQuery(
                "SELECT series_id, ts, value FROM "
                    + from
                    + " WHERE series_id IN ("
                    + ids
                    + ") AND ts BETWEEN "
                    + minT
                    + " AND "
                    + maxT
                    + " ORDER BY series_id, ts")) {
          while (rs.next()) {
            rs.getInt(1);
            rs.getLong(2);
            rs.getDouble(3);
            rows++;
          }
        }
        long b = System.nanoTime();
        if (i >= WARMUP_RUNS) {
          nanos[i - WARMUP_RUNS] = b - a;
        }
        if (rows == 0) {
          throw new IllegalStateException("query found nothing");
        }
      }
    }
    return nanos;
  }

  private static long[] duckChunkReads(Path db, List<int[]> idSets, long minT, long maxT)
      throws SQLException {
    long[] nanos = new long[TIMED_RUNS];
    long[] tsBuf = new long[XorChunk.SAMPLES_PER_CHUNK];
    double[] vsBuf = new double[XorChunk.SAMPLES_PER_CHUNK];
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db);
        Statement st = c.createStatement()) {
      st.execute("SET threads = 2");
      for (int i = 0; i < idSets.size(); i++) {
        String ids =
            IntStream.of(idSets.get(i))
                .mapToObj(Integer::toString)
                .collect(Collectors.joining(","));
        long a = System.nanoTime();
        int samples = 0;
        try (ResultSet rs =
            st.executeQuery(
                "SELECT series_id, chunk FROM chunks WHERE series_id IN ("
                    + ids
                    + ") AND max_t >= "
                    + minT
                    + " AND min_t <= "
                    + maxT
                    + " ORDER BY series_id, min_t")) {
          while (rs.next()) {
            byte[] chunk = rs.getBytes(2);
            XorChunk.Reader rd = XorChunk.reader(chunk);
            int n = 0;
            while (rd.next()) {
              if (rd.t() >= minT && rd.t() <= maxT) {
                tsBuf[n] = rd.t();
                vsBuf[n] = rd.v();
                n++;
              }
            }
            samples += n;
          }
        }
        long b = System.nanoTime();
        if (i >= WARMUP_RUNS) {
          nanos[i - WARMUP_RUNS] = b - a;
        }
        if (samples == 0) {
          throw new IllegalStateException("query found nothing");
        }
      }
    }
    return nanos;
  }

  private static void deleteDb(Path db) throws IOException {
    Files.deleteIfExists(db);
    Files.deleteIfExists(Path.of(db + ".wal"));
  }

  private static long dbBytes(Path db) throws IOException {
    long n = Files.size(db);
    Path wal = Path.of(db + ".wal");
    return Files.exists(wal) ? n + Files.size(wal) : n;
  }

  // ------------------------------------------------------------------ issue-scale checks

  /** Target scale of issue 4: 100k series, 6 h of 15 s data on disk. */
  static final int SCALE_SERIES = 100_000;

  private static void scale() throws Exception {
    SpikeReport r = new SpikeReport("scale");
    List<CorpusSeries> corpus = SpikeData.readCorpus(CORPUS);
    List<CorpusSeries> full =
        corpus.stream().filter(c -> c.size() >= SpikeData.CORPUS_TICKS).toList();
    List<GorillaBlock.Input> inputs = new ArrayList<>(SCALE_SERIES);
    List<Cut> cuts = new ArrayList<>(SCALE_SERIES);
    for (int i = 0; i < SCALE_SERIES; i++) {
      CorpusSeries c = full.get(i % full.size());
      int copy = i / full.size();
      Labels l = copy == 0 ? c.labels() : c.labels().toBuilder().put("shard", "s" + copy).build();
      inputs.add(new GorillaBlock.Input(l, c.visibleTo(), c.ts(), c.vs(), c.size()));
      cuts.add(new Cut(c, c.ts(), c.vs(), c.size()));
    }
    long samples = (long) SCALE_SERIES * SpikeData.CORPUS_TICKS;
    r.line(
        "### Issue scale: %,d series x 6 h of 15 s samples = %,d samples on disk (corpus series"
            + " with all %d samples, repeated with a `shard` label)",
        SCALE_SERIES, samples, SpikeData.CORPUS_TICKS);
    r.line("");
    long lastHourFrom = ts(SpikeData.CORPUS_TICKS - 1) - 3_600_000 + 1;
    long lastHourTo = ts(SpikeData.CORPUS_TICKS - 1);
    List<int[]> idSets = idSets(SCALE_SERIES, 7);

    // (c) one compacted 6-hour Gorilla block
    Path blockDir = WORK.resolve("scale-gorilla");
    GorillaBlock.Written w = GorillaBlock.write(blockDir, inputs);
    r.line(
        "- (c) Gorilla block: %s chunks + %s index = %.2f bytes/sample; written in %.1f s (%,.0f"
            + " samples/s, one thread)",
        SpikeReport.mb(w.chunkFileBytes()),
        SpikeReport.mb(w.indexBytes()),
        (w.chunkFileBytes() + w.indexBytes()) / (double) samples,
        w.nanos() / 1e9,
        samples / (w.nanos() / 1e9));
    r.key("scale.c.bytesPerSample", (w.chunkFileBytes() + w.indexBytes()) / (double) samples);
    inputs = null;
    long o0 = System.nanoTime();
    try (GorillaBlock.Reader block = GorillaBlock.open(blockDir)) {
      long opened = System.nanoTime() - o0;
      long[] tsBuf = new long[4096];
      double[] vsBuf = new double[4096];
      block.read(0, lastHourFrom, lastHourTo, tsBuf, vsBuf, new byte[4096]);
      long firstAnswer = System.nanoTime() - o0;
      r.line(
          "- (c) restart: open the block (load index: %,d series, postings) %.0f ms; first answer"
              + " after %.0f ms",
          block.seriesCount(), opened / 1e6, firstAnswer / 1e6);
      r.key("scale.c.openMs", opened / 1e6);
      long[] lat = gorillaReads(block, idSets, lastHourFrom, lastHourTo, r);
      r.line(
          "- (c) read %d random series over the last hour: p50 %.2f ms, p99 %.2f ms",
          READ_SERIES, percentileMs(lat, 50), percentileMs(lat, 99));
      r.key("scale.c.read.p50", percentileMs(lat, 50));
      r.key("scale.c.read.p99", percentileMs(lat, 99));
      // a dashboard panel: one metric, one tenant, the last hour
      String tenant = biggestNonPlatformTenant(block);
      long[] panel = new long[TIMED_RUNS];
      int[] found = new int[2];
      for (int i = 0; i < WARMUP_RUNS + TIMED_RUNS; i++) {
        long a = System.nanoTime();
        RoaringBitmap ids =
            block.select(Set.of(tenant), "__name__", "istio_request_duration_milliseconds_bucket");
        int n = 0;
        for (int id : ids) {
          n += block.read(id, lastHourFrom, lastHourTo, tsBuf, vsBuf, new byte[512]);
        }
        long b = System.nanoTime();
        if (i >= WARMUP_RUNS) {
          panel[i - WARMUP_RUNS] = b - a;
        }
        found[0] = ids.getCardinality();
        found[1] = n;
      }
      r.line(
          "- (c) panel `istio_request_duration_milliseconds_bucket` of tenant %s (%.1f%% of the"
              + " series), last hour: %,d series, %,d samples, p50 %.2f ms, p99 %.2f ms",
          tenant,
          100.0 * block.tenants.get(tenant).getCardinality() / block.seriesCount(),
          found[0],
          found[1],
          percentileMs(panel, 50),
          percentileMs(panel, 99));
      r.key("scale.c.panel.p99", percentileMs(panel, 99));
      r.key("scale.c.panel.series", found[0]);
    }

    // (d) DuckDB rows at the same scale
    Path db = WORK.resolve("scale-duckdb.duckdb");
    DuckLoad load = duckLoadRows(db, cuts);
    r.line(
        "- (d) DuckDB rows: %s = %.2f bytes/sample; bulk load %.1f s (%,.0f rows/s, threads=1, incl."
            + " CHECKPOINT)",
        SpikeReport.mb(load.bytes),
        load.bytes / (double) samples,
        load.nanos / 1e9,
        samples / (load.nanos / 1e9));
    r.key("scale.d.bytesPerSample", load.bytes / (double) samples);
    r.key("scale.d.insertRate", samples / (load.nanos / 1e9));
    o0 = System.nanoTime();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM samples WHERE series_id = 7")) {
      rs.next();
      r.line(
          "- (d) restart: open the database and answer a first query: %.0f ms",
          (System.nanoTime() - o0) / 1e6);
      r.key("scale.d.openMs", (System.nanoTime() - o0) / 1e6);
    }
    long[] dl = duckReads(db, "samples", idSets, lastHourFrom, lastHourTo);
    r.line(
        "- (d) read %d random series over the last hour: p50 %.1f ms, p99 %.1f ms (threads=2)",
        READ_SERIES, percentileMs(dl, 50), percentileMs(dl, 99));
    r.key("scale.d.read.p50", percentileMs(dl, 50));
    r.key("scale.d.read.p99", percentileMs(dl, 99));

    // (d2) DuckDB holding Gorilla chunks at the same scale
    Path blobDb = WORK.resolve("scale-duckdb-chunks.duckdb");
    DuckLoad bl = duckLoadChunks(blobDb, cuts);
    r.line(
        "- (d2) DuckDB of Gorilla chunk BLOBs: %s = %.2f bytes/sample; load %.1f s (%,.0f"
            + " samples/s, threads=1, encode included)",
        SpikeReport.mb(bl.bytes),
        bl.bytes / (double) samples,
        bl.nanos / 1e9,
        samples / (bl.nanos / 1e9));
    r.key("scale.d2.bytesPerSample", bl.bytes / (double) samples);
    o0 = System.nanoTime();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + blobDb);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM chunks WHERE series_id = 7")) {
      rs.next();
      r.line(
          "- (d2) restart: open the database and answer a first query: %.0f ms",
          (System.nanoTime() - o0) / 1e6);
      r.key("scale.d2.openMs", (System.nanoTime() - o0) / 1e6);
    }
    long[] bll = duckChunkReads(blobDb, idSets, lastHourFrom, lastHourTo);
    r.line(
        "- (d2) read %d random series over the last hour: p50 %.1f ms, p99 %.1f ms (threads=2)",
        READ_SERIES, percentileMs(bll, 50), percentileMs(bll, 99));
    r.key("scale.d2.read.p50", percentileMs(bll, 50));
    r.key("scale.d2.read.p99", percentileMs(bll, 99));
    r.save(WORK);
  }

  private static String biggestNonPlatformTenant(GorillaBlock.Reader block) {
    return block.tenants.entrySet().stream()
        .filter(e -> !e.getKey().equals("platform") && !e.getKey().equals("unassigned"))
        .max(Comparator.comparingInt(e -> e.getValue().getCardinality()))
        .orElseThrow()
        .getKey();
  }

  // ------------------------------------------------------------------ report

  private static void report() throws IOException {
    Properties k = new Properties();
    StringBuilder fragments = new StringBuilder();
    for (String[] s : STEPS) {
      Path props = WORK.resolve(s[0] + ".properties");
      if (Files.exists(props)) {
        try (var in = Files.newBufferedReader(props)) {
          k.load(in);
        }
      }
      Path md = WORK.resolve(s[0] + ".md");
      if (Files.exists(md)) {
        fragments.append(Files.readString(md)).append("\n");
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("# Storage spike: measured results\n\n");
    out.append("Generated by `io.meshlens.bench.StorageSpikeBenchmark` (see docs/storage-spike.md")
        .append(" for the command, method and conclusions). Do not edit by hand.\n\n");
    out.append("- date: ").append(Instant.now()).append('\n');
    out.append("- machine: ").append(machine()).append('\n');
    out.append("- command: `")
        .append(
            "java -cp target/test-classes:target/classes:$(cat target/bench.cp)"
                + " io.meshlens.bench.StorageSpikeBenchmark")
        .append("` (each step in its own JVM: ");
    out.append(Stream.of(STEPS).map(s -> s[0] + " " + s[1]).collect(Collectors.joining(", ")))
        .append(", G1)\n\n");
    out.append("## Summary\n\n");
    out.append(summary(k));
    out.append("\n## Details\n\n");
    out.append(fragments);
    Files.createDirectories(OUT.toAbsolutePath().getParent());
    Files.writeString(OUT, out.toString());
    System.out.println("wrote " + OUT.toAbsolutePath());
  }

  private static String machine() {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    String cpu = "";
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                Files.newInputStream(Path.of("/proc/cpuinfo")), StandardCharsets.UTF_8))) {
      cpu =
          in.lines()
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .orElse("");
    } catch (IOException e) {
      cpu = "unknown CPU";
    }
    return String.format(
        Locale.ROOT,
        "%d cores (nproc), %.1f GiB RAM, %s; %s %s (%s)",
        Runtime.getRuntime().availableProcessors(),
        os.getTotalMemorySize() / (double) (1L << 30),
        cpu,
        System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"),
        System.getProperty("java.vm.vendor"));
  }

  private static String summary(Properties k) {
    Map<String, String[]> rows = new LinkedHashMap<>();
    rows.put(
        "(a) MetricStore as is: Labels per series, RoaringBitmap postings, long[]+double[]",
        new String[] {
          f(k, "a.heapPerSeries.identity", "%,.0f")
              + " (store alone "
              + f(k, "a.heapPerSeries.storeOnly", "%,.0f")
              + ")",
          f(k, "a.heapPerSeries.120", "%,.0f"),
          "—",
          "16 (raw, in memory only)",
          f(k, "a.ingest.tick3", "%,.0f"),
          f(k, "a.select.requests5pct.p99", "%.1f") + " (in memory)"
        });
    rows.put(
        "(b) interned symbols + int[] series + RoaringBitmap postings (index only)",
        new String[] {
          f(k, "b.heapPerSeries.identity", "%,.0f"),
          "—",
          "—",
          "—",
          f(k, "b.ingest.tick3", "%,.0f"),
          f(k, "b.index.requests5pct.p99", "%.2f") + " (postings only)"
        });
    rows.put(
        "(b)+(c) head: (b) + Gorilla/XOR chunks in memory",
        new String[] {
          f(k, "bc.heapPerSeries.identity", "%,.0f"),
          f(k, "bc.heapPerSeries.120", "%,.0f"),
          f(k, "bc.heapPerSeries.480", "%,.0f"),
          f(k, "bc.chunkBytesPerSample.480", "%.2f") + " (chunk arrays in heap)",
          f(k, "bc.ingest.tick3", "%,.0f"),
          f(k, "bc.select.requests5pct.p99", "%.1f") + " (in memory)"
        });
    rows.put(
        "(c) Gorilla/XOR chunks in a compacted block file (+ index)",
        new String[] {
          "—",
          "—",
          "—",
          f(k, "c.exact.bytesPerSample", "%.2f")
              + " (jittered ts: "
              + f(k, "c.jitter.bytesPerSample", "%.2f")
              + ")",
          f(k, "c.exact.encodeRate", "%,.0f") + " (encode)",
          f(k, "c.exact.read.p99", "%.1f")
              + " (6 h x 100k: "
              + f(k, "scale.c.read.p99", "%.1f")
              + ")"
        });
    rows.put(
        "(d) DuckDB rows (series_id, ts, value), Appender, CHECKPOINT",
        new String[] {
          "—",
          "—",
          "—",
          f(k, "d.exact.bytesPerSample", "%.2f")
              + " (jittered ts: "
              + f(k, "d.jitter.bytesPerSample", "%.2f")
              + ")",
          f(k, "d.exact.insertRate", "%,.0f") + " (Appender)",
          f(k, "d.exact.read.p99", "%.1f")
              + " (6 h x 100k: "
              + f(k, "scale.d.read.p99", "%.1f")
              + ")"
        });
    rows.put(
        "(d2) DuckDB table of Gorilla chunk BLOBs",
        new String[] {
          "—",
          "—",
          "—",
          f(k, "d2.exact.bytesPerSample", "%.2f")
              + " (jittered ts: "
              + f(k, "d2.jitter.bytesPerSample", "%.2f")
              + ")",
          f(k, "d2.exact.insertRate", "%,.0f") + " (encode + Appender)",
          f(k, "d2.exact.read.p99", "%.1f")
              + " (6 h x 100k: "
              + f(k, "scale.d2.read.p99", "%.1f")
              + ")"
        });
    rows.put(
        "(e) Parquet, zstd (written by DuckDB)",
        new String[] {
          "—",
          "—",
          "—",
          f(k, "e.exact.bytesPerSample", "%.2f")
              + " (jittered ts: "
              + f(k, "e.jitter.bytesPerSample", "%.2f")
              + ")",
          "—",
          f(k, "e.exact.read.p99", "%.1f")
        });
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| candidate | heap bytes/series, 1M series, identity + index (3 samples) | heap"
            + " bytes/series with 120 samples (30 min) | heap bytes/series with 480 samples (2 h)"
            + " | disk bytes/sample, 2 h block | ingest samples/s, one thread | read 1,000 series"
            + " x 1 h, p99 ms |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    rows.forEach(
        (name, cells) ->
            sb.append("| ")
                .append(name)
                .append(" | ")
                .append(String.join(" | ", cells))
                .append(" |\n"));
    sb.append('\n');
    sb.append("Targets (issue 4): heap ≤ 1,536 bytes per active series at 1M series; disk ≤ 2")
        .append(" bytes/sample after compaction; panel ≤ 50 ms p99; restart ≤ 30 s.\n");
    return sb.toString();
  }

  private static String f(Properties k, String key, String format) {
    String v = k.getProperty(key);
    if (v == null) {
      return "n/a";
    }
    return String.format(Locale.ROOT, format, Double.parseDouble(v));
  }
}
