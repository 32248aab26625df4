package io.meshlens.benchmark;

import io.meshlens.ingest.AccessLogsHandler;
import io.meshlens.ingest.DeadLetterQueue;
import io.meshlens.ingest.IngestStats;
import io.meshlens.ingest.KafkaIngestLoop;
import io.meshlens.ingest.MetricsHandler;
import io.meshlens.ingest.MetricsPipeline;
import io.meshlens.ingest.RecordHandler;
import io.meshlens.ingest.SpansHandler;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorPublisher;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.meshlens.simulator.Topics;
import io.meshlens.store.MetricStore;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.spans.SpanStore;
import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.testdata.TempFiles;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.tools.ConsumerPerformance;

/**
 * End-to-end ingest rate per signal (Kafka poll + decode + attribute + store) against Kafka's bare
 * consumer ({@code ConsumerPerformance}) on the same topics, in the same run, with a real KRaft
 * broker in this JVM: metrics (OTLP, one message per resource), spans (OTLP traces) and access logs
 * (Istio's JSON lines plus OTLP log records from Envoy's OpenTelemetry access logger). Writes
 * {@code docs/benchmarks/ingest.md}.
 *
 * <p>Run: {@code ./mvnw -q -B test-compile exec:java@ingest-benchmark} (optional system properties
 * {@code -Dticks=20 -DextraTenants=200 -Dreplicas=3 -Dworkers=2 -Dsignals=metrics,spans,logs
 * -Dwarmup=true}).
 *
 * <p>Each signal is ingested twice from the same topics, each time into a new, empty store under
 * its own consumer group: a warm-up pass, not reported, then the measured pass. A service ingests
 * for days, so its rate is that of compiled code; a single pass of 20 s in a fresh JVM spends about
 * as much CPU in the JIT compiler threads as in ingest (measured on the metrics path: 9.0
 * CPU-seconds of C2 against 12.8 of the ingest threads). {@code -Dwarmup=false} measures the cold
 * pass alone.
 */
public final class IngestBenchmark {

  private static final Topics TOPICS =
      new Topics("bench_otlp_metrics", "bench_otlp_spans", "bench_otlp_logs", "bench_access_logs");

  /** Threads handling partitions in parallel, as {@code meshlens.ingest.worker-threads=0}. */
  private static final int WORKERS =
      Integer.getInteger("workers", Runtime.getRuntime().availableProcessors());

  /** Whether a pass over the same records runs before the measured one (see the class comment). */
  private static final boolean WARMUP = Boolean.parseBoolean(System.getProperty("warmup", "true"));

  /** The targets of the ingest issue on this 2-core machine, per signal. */
  enum Signal {
    METRICS("metrics", "OTLP data points", 150_000),
    SPANS("spans", "spans", 50_000),
    LOGS("logs", "access log records", 100_000);

    final String name;
    final String items;
    final long target;

    Signal(String name, String items, long target) {
      this.name = name;
      this.items = items;
      this.target = target;
    }

    List<String> topics() {
      return switch (this) {
        case METRICS -> List.of(TOPICS.metrics());
        case SPANS -> List.of(TOPICS.spans());
        case LOGS -> List.of(TOPICS.accessLogs(), TOPICS.logs());
      };
    }
  }

  /** What one signal's run measured. */
  record Result(
      Signal signal,
      long messages,
      long bytes,
      long items,
      long stored,
      double secs,
      double cpuSecs,
      double bareMBps,
      long peakHeap,
      String loads,
      String perf) {

    double itemsPerSec() {
      return items / secs;
    }

    double mbps() {
      return bytes / 1e6 / secs;
    }
  }

  public static void main(String[] args) throws Exception {
    int ticks = Integer.getInteger("ticks", 20);
    int extraTenants = Integer.getInteger("extraTenants", 200);
    int replicas = Integer.getInteger("replicas", 3);
    List<Signal> signals = new ArrayList<>();
    for (String s : System.getProperty("signals", "metrics,spans,logs").split(",")) {
      signals.add(Signal.valueOf(s.trim().toUpperCase(Locale.ROOT)));
    }
    Path logDir = Files.createTempDirectory("meshlens-bench-kafka");
    EmbeddedKafkaBroker broker =
        new EmbeddedKafkaBroker()
            .withKafkaHost("127.0.0.1")
            .withKafkaPort(0)
            .withAdditionalProperties(p -> p.put("log.dirs", logDir.toString()))
            .start();
    try {
      String bs = broker.getAdvertisedListeners().split(",")[0].replaceFirst("^.*://", "");
      try (Admin admin = Admin.create(props(bs))) {
        List<NewTopic> topics = new ArrayList<>();
        for (String t :
            List.of(TOPICS.metrics(), TOPICS.spans(), TOPICS.logs(), TOPICS.accessLogs())) {
          topics.add(new NewTopic(t, 3, (short) 1));
        }
        admin.createTopics(topics).all().get();
      }

      // Fill: what the Collectors and log forwarders of a 3-cluster mesh send every 15 s, with
      // every trace sampled so that spans come in numbers.
      SimulatorSettings settings =
          SimulatorSettings.defaults()
              .withExtraTenants(extraTenants)
              .withReplicasPerWorkload(replicas)
              .withRequestsPerSecond(1000)
              .withSpanSampleRate(1.0)
              .withTopics(TOPICS);
      Instant start = Instant.parse("2026-11-01T00:00:00Z");
      MeshSimulator sim = new MeshSimulator(settings, start);
      long[] items = new long[Signal.values().length];
      SimulatorPublisher pub;
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              producerProps(bs), new ByteArraySerializer(), new ByteArraySerializer())) {
        pub = new SimulatorPublisher(producer, settings);
        for (int i = 1; i <= ticks; i++) {
          TickOutput out = sim.tick(start.plusSeconds(15L * i));
          TickOutput kept =
              new TickOutput(
                  signals.contains(Signal.METRICS) ? out.metrics() : List.of(),
                  signals.contains(Signal.SPANS) ? out.spans() : List.of(),
                  signals.contains(Signal.LOGS) ? out.logs() : List.of(),
                  signals.contains(Signal.LOGS) ? out.accessLogLines() : List.of(),
                  signals.contains(Signal.LOGS) ? out.accessLogLineClusters() : List.of());
          items[Signal.METRICS.ordinal()] += kept.dataPointCount();
          items[Signal.SPANS.ordinal()] += kept.spanCount();
          items[Signal.LOGS.ordinal()] += kept.logRecordCount() + kept.accessLogLines().size();
          pub.publish(kept);
        }
        pub.flush();
      }
      TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
      List<Result> results = new ArrayList<>();
      for (Signal signal : signals) {
        long messages = 0;
        long bytes = 0;
        for (String t : signal.topics()) {
          messages += pub.totals().messages(t);
          bytes += pub.totals().bytes(t);
        }
        System.out.printf(
            "%s: %d messages, %.1f MB, %d %s%n",
            signal.name, messages, bytes / 1e6, items[signal.ordinal()], signal.items);
        if (WARMUP) {
          run(signal, bs, tenants, pub, messages, bytes, items[signal.ordinal()], true);
          System.gc();
        }
        results.add(run(signal, bs, tenants, pub, messages, bytes, items[signal.ordinal()], false));
      }
      Path out = Path.of("docs/benchmarks/ingest.md");
      String previous = Files.exists(out) ? Files.readString(out) : "";
      String report =
          report(ticks, extraTenants, replicas, sim.topology().pods().size(), results, previous);
      Files.createDirectories(out.getParent());
      Files.writeString(out, report);
      System.out.println(report);
    } finally {
      broker.close();
      TempFiles.deleteRecursively(logDir);
    }
  }

  /**
   * Meshlens' path for one signal, as IngestService wires it, into a new store, then the bare
   * consumer; or, for {@code warmup}, the same path only, under a consumer group of its own, and
   * null.
   */
  private static Result run(
      Signal signal,
      String bs,
      TenantDirectory tenants,
      SimulatorPublisher pub,
      long messages,
      long bytes,
      long items,
      boolean warmup)
      throws Exception {
    HeapSampler heap = new HeapSampler();
    heap.start();
    Path data = Files.createTempDirectory("bench-" + signal.name);
    MetricStore metricStore = null;
    SpanStore spanStore = null;
    AccessLogStore logStore = null;
    RecordHandler handler;
    MetricsHandler metricsHandler = null;
    switch (signal) {
      case METRICS -> {
        // The durable store, as in production: checkpoints every 60 s and once at the end.
        metricStore = MetricStore.open(data, Duration.ofHours(2));
        MetricsPipeline pipeline =
            new MetricsPipeline(
                new OtlpMetricsTranslator(TranslatorSettings.defaults()),
                () -> tenants,
                metricStore,
                new IngestStats("metrics"),
                MetricsPipeline.Encoding.AUTO,
                8 * 1024 * 1024);
        metricsHandler =
            new MetricsHandler(pipeline, metricStore, Duration.ofSeconds(60), Clock.systemUTC());
        handler = metricsHandler;
      }
      case SPANS -> {
        spanStore = new SpanStore(data);
        handler = new SpansHandler(spanStore, () -> tenants);
      }
      default -> {
        logStore = new AccessLogStore(data);
        handler = new AccessLogsHandler(logStore, () -> tenants, Set.of(TOPICS.logs()));
      }
    }
    IngestStats stats = handler.stats();
    long nanos;
    double cpuSecs;
    String loads;
    try (DeadLetterQueue dlq = new DeadLetterQueue(bs, "bench_deadletter")) {
      KafkaIngestLoop loop =
          new KafkaIngestLoop(
              bs,
              "bench-meshlens-" + signal.name + (warmup ? "-warmup" : ""),
              signal.topics(),
              "bench-" + signal.name,
              handler,
              dlq,
              Duration.ofMillis(200),
              WORKERS);
      Thread t = new Thread(loop, "bench-ingest-" + signal.name);
      t.start();
      while (stats.records() == 0) {
        Thread.sleep(1);
      }
      long t0 = System.nanoTime();
      long cpu0 = ingestCpuNanos();
      double load0 = loadAverage();
      while (stats.records() < messages) {
        Thread.sleep(1);
      }
      // Before close: the worker threads end with the loop.
      cpuSecs = (ingestCpuNanos() - cpu0) / 1e9;
      long handled = System.nanoTime() - t0;
      loop.close();
      if (metricsHandler != null && !metricsHandler.checkpoint()) {
        throw new IllegalStateException("final checkpoint failed");
      }
      nanos = System.nanoTime() - t0;
      System.out.printf(
          Locale.ROOT,
          "%s: every record handled after %.1f s, stored durably (closing the loop and the last"
              + " checkpoint) after %.1f s%n",
          signal.name,
          handled / 1e9,
          nanos / 1e9);
      loads = String.format(Locale.ROOT, "%.2f at start, %.2f at end", load0, loadAverage());
    } finally {
      if (metricStore != null) {
        metricStore.close();
      }
      if (spanStore != null) {
        spanStore.close();
      }
      if (logStore != null) {
        logStore.close();
      }
      TempFiles.deleteRecursively(data);
    }
    heap.finish();
    if (warmup) {
      System.out.printf("%s: warm-up pass done%n", signal.name);
      return null;
    }
    String perf = consumerPerformance(bs, signal, pub);
    return new Result(
        signal,
        messages,
        bytes,
        items,
        stats.samples(),
        nanos / 1e9,
        cpuSecs,
        parseFetchMBps(perf),
        heap.peakBytes(),
        loads,
        perf);
  }

  /** Kafka's bare consumer over each of the signal's topics; the output lines, one per topic. */
  private static String consumerPerformance(String bs, Signal signal, SimulatorPublisher pub) {
    StringBuilder out = new StringBuilder();
    for (String topic : signal.topics()) {
      long messages = pub.totals().messages(topic);
      if (messages == 0) {
        continue;
      }
      PrintStream original = System.out;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        ConsumerPerformance.main(
            new String[] {
              "--bootstrap-server",
              bs,
              "--topic",
              topic,
              "--messages",
              Long.toString(messages),
              "--group",
              "bench-bare-" + topic,
              "--timeout",
              "120000"
            });
      } catch (Exception e) {
        throw new IllegalStateException("ConsumerPerformance failed", e);
      } finally {
        System.setOut(original);
      }
      String[] lines = captured.toString(StandardCharsets.UTF_8).trim().split("\n");
      if (out.length() == 0) {
        out.append(lines[0]).append('\n');
      }
      out.append(lines[lines.length - 1]).append("  (").append(topic).append(")\n");
    }
    return out.toString().trim();
  }

  /**
   * MB per second of fetching over all topics in ConsumerPerformance's output: consumed MB over
   * fetch time (which excludes the group join).
   */
  static double parseFetchMBps(String output) {
    String[] lines = output.split("\n");
    List<String> header = List.of(lines[0].split(",\\s*"));
    int mb = header.indexOf("data.consumed.in.MB");
    int ms = header.indexOf("fetch.time.ms");
    if (mb < 0 || ms < 0) {
      throw new IllegalStateException("unexpected ConsumerPerformance output:\n" + output);
    }
    double totalMb = 0;
    double totalMs = 0;
    for (int i = 1; i < lines.length; i++) {
      String[] values = lines[i].replaceFirst("\\s+\\(.*\\)$", "").split(",\\s*");
      totalMb += Double.parseDouble(values[mb].trim());
      totalMs += Double.parseDouble(values[ms].trim());
    }
    return totalMb / (totalMs / 1000);
  }

  /** One signal's parts of the report: its table row, its stored line, its bare consumer output. */
  record Parts(String row, String stored, String perf) {}

  /**
   * The parts of each signal in {@code previous} (an earlier report), by signal name: what a run of
   * only some signals keeps of the others.
   */
  static Map<String, Parts> previousParts(String previous) {
    Map<String, Parts> out = new LinkedHashMap<>();
    List<String> lines = previous.lines().toList();
    for (Signal signal : Signal.values()) {
      String row = null;
      String stored = null;
      StringBuilder perf = null;
      boolean inPerf = false;
      boolean inBlock = false;
      for (String line : lines) {
        if (line.startsWith("| " + signal.name + " |")) {
          row = line;
        } else if (line.startsWith("- " + signal.name + ": ")) {
          stored = line;
        } else if (line.equals("```")) {
          inBlock = !inBlock;
          inPerf = false;
        } else if (inBlock && line.equals(signal.name + ":")) {
          inPerf = true;
          perf = new StringBuilder();
        } else if (inBlock && line.matches("[a-z]+:")) {
          inPerf = false;
        } else if (inPerf) {
          perf.append(perf.length() == 0 ? "" : "\n").append(line);
        }
      }
      if (row != null && stored != null && perf != null) {
        out.put(signal.name, new Parts(row, stored, perf.toString()));
      }
    }
    return out;
  }

  /**
   * The report of {@code results}; signals not run this time keep their row, stored line and bare
   * consumer output from {@code previous} (the report so far), marked as kept.
   */
  static String report(
      int ticks, int extraTenants, int replicas, int pods, List<Result> results, String previous) {
    Map<String, Parts> parts = new LinkedHashMap<>();
    Map<String, Parts> before = previousParts(previous);
    List<String> kept = new ArrayList<>();
    for (Signal signal : Signal.values()) {
      Result r = null;
      for (Result x : results) {
        if (x.signal() == signal) {
          r = x;
        }
      }
      if (r != null) {
        parts.put(signal.name, parts(r));
      } else if (before.containsKey(signal.name)) {
        parts.put(signal.name, before.get(signal.name));
        kept.add(signal.name);
      }
    }
    return report(ticks, extraTenants, replicas, pods, parts, kept);
  }

  private static Parts parts(Result r) {
    String row =
        String.format(
            Locale.ROOT,
            "| %s | %,d | %.1f | %,d %s | %,.0f | ≥ %,d | %.1f | %.1f | %.0f%% | %,.0f | %.0f MB"
                + " | %s |",
            r.signal().name,
            r.messages(),
            r.bytes() / 1e6,
            r.items(),
            r.signal().items,
            r.itemsPerSec(),
            r.signal().target,
            r.mbps(),
            r.bareMBps(),
            100 * r.mbps() / r.bareMBps(),
            r.items() / r.cpuSecs(),
            r.peakHeap() / 1e6,
            r.loads());
    String stored =
        String.format(
            Locale.ROOT,
            "- %s: %,d items stored of %,d sent%s",
            r.signal().name,
            r.stored(),
            r.items(),
            r.signal() == Signal.METRICS
                ? " (stored: Prometheus samples; a histogram data point becomes several)"
                : "");
    return new Parts(row, stored, r.perf());
  }

  private static String report(
      int ticks,
      int extraTenants,
      int replicas,
      int pods,
      Map<String, Parts> parts,
      List<String> kept) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Ingest benchmark\n\n");
    sb.append("Generated by `./mvnw -q -B test-compile exec:java@ingest-benchmark` (")
        .append("`io.meshlens.benchmark.IngestBenchmark`); do not edit by hand.\n\n");
    sb.append("- date: ").append(LocalDate.now()).append('\n');
    sb.append("- machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(String.format(Locale.ROOT, "%.0f", totalRamGb()))
        .append(" GB RAM, ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.version"))
        .append(", max heap ")
        .append(Runtime.getRuntime().maxMemory() / (1 << 20))
        .append(" MB, garbage collectors ")
        .append(
            String.join(
                " + ",
                ManagementFactory.getGarbageCollectorMXBeans().stream()
                    .map(GarbageCollectorMXBean::getName)
                    .toList()))
        .append(
            " (the container image's `run-java.sh` starts the service with `-XX:+UseParallelGC`;"
                + " a bare `java -jar` on 2 cores and 2 GB or more picks G1)\n");
    sb.append(
        "- broker: single-node KRaft broker in the same JVM (competes for the same 2 cores)\n");
    sb.append("- Meshlens: ")
        .append(WORKERS)
        .append(
            " worker threads (`meshlens.ingest.worker-threads`) and the consumer thread, one"
                + " partition each at a time, for metrics and for decoding spans and access logs"
                + " (stored on the consumer thread)\n");
    sb.append(
        WARMUP
            ? "- passes: each signal ingested once unreported (JIT warm-up, as in a service that"
                + " has been running) and then measured, each pass into a new, empty store\n"
            : "- passes: one, in a fresh JVM (`-Dwarmup=false`): the JIT compiler competes for the"
                + " cores\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "- data: simulator, %d extra tenants, %d replicas per workload (%d pods), 1,000"
                + " requests/s, every trace sampled, %d exports 15 s apart; 3 partitions per"
                + " topic%n%n",
            extraTenants,
            replicas,
            pods,
            ticks));
    sb.append(
        "| signal | messages | MB | items | Meshlens items/s | target | Meshlens MB/s | bare"
            + " consumer MB/s | share of bare (target ≥ 30%) | items per CPU-second of the ingest"
            + " threads | peak heap | load average |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Parts p : parts.values()) {
      sb.append(p.row()).append('\n');
    }
    sb.append('\n');
    for (Parts p : parts.values()) {
      sb.append(p.stored()).append('\n');
    }
    if (!kept.isEmpty()) {
      sb.append("- not re-run this time, kept from an earlier run (its own date, load and code): ")
          .append(String.join(", ", kept))
          .append('\n');
    }
    sb.append(
        "\nThe CPU figure counts the consumer and worker threads only, so other load on the"
            + " machine does not lower it; the rate and the MB/s figures are wall-clock.\n\n");
    sb.append("ConsumerPerformance output:\n\n```\n");
    parts.forEach((name, p) -> sb.append(name).append(":\n").append(p.perf()).append('\n'));
    sb.append("```\n");
    return sb.toString();
  }

  /** CPU time of the consumer thread and its workers: unaffected by other load on the machine. */
  private static long ingestCpuNanos() {
    var threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("bench-")) {
        total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static double totalRamGb() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getTotalMemorySize() / 1e9;
    }
    return 0;
  }

  private static Properties props(String bs) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bs);
    return p;
  }

  private static Properties producerProps(String bs) {
    Properties p = props(bs);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20));
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(1 << 20));
    return p;
  }

  /** Samples used heap every 20 ms and keeps the maximum. */
  private static final class HeapSampler extends Thread {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong peak = new AtomicLong();

    HeapSampler() {
      super("heap-sampler");
      setDaemon(true);
    }

    @Override
    public void run() {
      var mem = ManagementFactory.getMemoryMXBean();
      while (running.get()) {
        peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void finish() {
      running.set(false);
    }

    long peakBytes() {
      return peak.get();
    }
  }
}
