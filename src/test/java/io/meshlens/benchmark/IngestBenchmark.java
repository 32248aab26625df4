package io.meshlens.benchmark;

import io.meshlens.ingest.DeadLetterQueue;
import io.meshlens.ingest.IngestStats;
import io.meshlens.ingest.KafkaIngestLoop;
import io.meshlens.ingest.MetricsHandler;
import io.meshlens.ingest.MetricsPipeline;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorPublisher;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.meshlens.simulator.Topics;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.TenantDirectory;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.tools.ConsumerPerformance;

/**
 * End-to-end metrics ingest rate (Kafka poll + decode + translate + attribute + store) against
 * Kafka's bare consumer ({@code ConsumerPerformance}) on the same topic, in the same run, with a
 * real KRaft broker in this JVM. Writes {@code docs/benchmarks/ingest-metrics.md}.
 *
 * <p>Run: {@code ./mvnw -q -B test-compile exec:java@ingest-benchmark} (optional system properties
 * {@code -Dticks=20 -DextraTenants=200 -Dreplicas=3}).
 */
public final class IngestBenchmark {

  private static final String TOPIC = "bench_otlp_metrics";

  /** Threads handling partitions in parallel, as {@code meshlens.ingest.worker-threads=0}. */
  private static final int WORKERS =
      Integer.getInteger("workers", Runtime.getRuntime().availableProcessors());

  public static void main(String[] args) throws Exception {
    int ticks = Integer.getInteger("ticks", 20);
    int extraTenants = Integer.getInteger("extraTenants", 200);
    int replicas = Integer.getInteger("replicas", 3);
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
        admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get();
      }

      // Fill: what the Collectors of a 3-cluster mesh export every 15 s, metrics only.
      SimulatorSettings settings =
          SimulatorSettings.defaults()
              .withExtraTenants(extraTenants)
              .withReplicasPerWorkload(replicas)
              .withRequestsPerSecond(1000)
              .withTopics(new Topics(TOPIC, "unused_spans", "unused_logs", "unused_access"));
      Instant start = Instant.parse("2026-11-01T00:00:00Z");
      MeshSimulator sim = new MeshSimulator(settings, start);
      long points = 0;
      long messages;
      long bytes;
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              producerProps(bs), new ByteArraySerializer(), new ByteArraySerializer())) {
        SimulatorPublisher pub = new SimulatorPublisher(producer, settings);
        for (int i = 1; i <= ticks; i++) {
          TickOutput out = sim.tick(start.plusSeconds(15L * i));
          TickOutput metricsOnly =
              new TickOutput(out.metrics(), List.of(), List.of(), List.of(), List.of());
          points += metricsOnly.dataPointCount();
          pub.publish(metricsOnly);
        }
        pub.flush();
        messages = pub.totals().messages(TOPIC);
        bytes = pub.totals().bytes(TOPIC);
      }
      System.out.printf(
          "filled %s: %d messages, %.1f MB, %d OTLP data points, %d pods%n",
          TOPIC, messages, bytes / 1e6, points, sim.topology().pods().size());

      // Meshlens' path, as IngestService wires it.
      HeapSampler heap = new HeapSampler();
      heap.start();
      // The durable store, as in production: checkpoints every 60 s and once at the end.
      MetricStore store =
          MetricStore.open(Files.createTempDirectory("bench-metrics"), Duration.ofHours(2));
      IngestStats stats = new IngestStats("metrics");
      TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
      MetricsPipeline pipeline =
          new MetricsPipeline(
              new OtlpMetricsTranslator(TranslatorSettings.defaults()),
              () -> tenants,
              store,
              stats,
              MetricsPipeline.Encoding.AUTO,
              8 * 1024 * 1024);
      MetricsHandler handler =
          new MetricsHandler(pipeline, store, Duration.ofSeconds(60), Clock.systemUTC());
      long meshlensNanos;
      double ingestCpuSecs;
      String loads;
      try (DeadLetterQueue dlq = new DeadLetterQueue(bs, "bench_deadletter")) {
        KafkaIngestLoop loop =
            new KafkaIngestLoop(
                bs,
                "bench-meshlens",
                List.of(TOPIC),
                "bench-metrics",
                handler,
                dlq,
                Duration.ofMillis(200),
                WORKERS);
        Thread t = new Thread(loop, "bench-ingest");
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
        ingestCpuSecs = (ingestCpuNanos() - cpu0) / 1e9;
        loop.close();
        if (!handler.checkpoint()) {
          throw new IllegalStateException("final checkpoint failed");
        }
        meshlensNanos = System.nanoTime() - t0;
        loads = String.format(Locale.ROOT, "%.2f at start, %.2f at end", load0, loadAverage());
        store.close();
      }
      heap.finish();
      double secs = meshlensNanos / 1e9;
      long samples = stats.samples();
      double meshlensMBps = bytes / 1e6 / secs;

      // The ceiling: Kafka's bare consumer on the same topic.
      String perf = consumerPerformance(bs, messages);
      double bareMBps = parseFetchMBps(perf);

      String report =
          report(
              ticks,
              extraTenants,
              replicas,
              sim.topology().pods().size(),
              messages,
              bytes,
              points,
              samples,
              secs,
              meshlensMBps,
              bareMBps,
              heap.peakBytes(),
              store.seriesCount(),
              perf,
              ingestCpuSecs,
              loads);
      Path out = Path.of("docs/benchmarks/ingest-metrics.md");
      Files.createDirectories(out.getParent());
      Files.writeString(out, report);
      System.out.println(report);
    } finally {
      broker.close();
    }
  }

  private static String consumerPerformance(String bs, long messages) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      ConsumerPerformance.main(
          new String[] {
            "--bootstrap-server",
            bs,
            "--topic",
            TOPIC,
            "--messages",
            Long.toString(messages),
            "--group",
            "bench-bare",
            "--timeout",
            "120000"
          });
    } catch (Exception e) {
      throw new IllegalStateException("ConsumerPerformance failed", e);
    } finally {
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8).trim();
  }

  /** {@code fetch.MB.sec} from ConsumerPerformance's CSV line: excludes the group join. */
  static double parseFetchMBps(String output) {
    String[] lines = output.split("\n");
    String[] header = lines[0].split(",\\s*");
    String[] values = lines[lines.length - 1].split(",\\s*");
    for (int i = 0; i < header.length; i++) {
      if (header[i].trim().equals("fetch.MB.sec")) {
        return Double.parseDouble(values[i].trim());
      }
    }
    throw new IllegalStateException("no fetch.MB.sec in ConsumerPerformance output:\n" + output);
  }

  private static String report(
      int ticks,
      int extraTenants,
      int replicas,
      int pods,
      long messages,
      long bytes,
      long points,
      long samples,
      double secs,
      double meshlensMBps,
      double bareMBps,
      long peakHeap,
      int series,
      String perf,
      double ingestCpuSecs,
      String loads) {
    double pointsPerSec = points / secs;
    double share = meshlensMBps / bareMBps;
    StringBuilder sb = new StringBuilder();
    sb.append("# Metrics ingest benchmark\n\n");
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
        .append(" MB\n");
    sb.append(
        "- broker: single-node KRaft broker in the same JVM (competes for the same 2 cores)\n");
    sb.append("- 1-minute load average: ").append(loads).append('\n');
    sb.append("- Meshlens: ")
        .append(WORKERS)
        .append(
            " worker threads (`meshlens.ingest.worker-threads`), one partition each at a time\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "- data: simulator, %d extra tenants, %d replicas per workload (%d pods), %d exports 15 s"
                + " apart, metrics only, otlp_proto: %d messages, %.1f MB, %,d OTLP data points"
                + " (full Istio label set on edge metrics)%n%n",
            extraTenants,
            replicas,
            pods,
            ticks,
            messages,
            bytes / 1e6,
            points));
    sb.append(
        "| measure | Meshlens (poll + decode + tag + store) | bare consumer (ConsumerPerformance, fetch) | target |\n");
    sb.append("|---|---|---|---|\n");
    sb.append(
        String.format(
            Locale.ROOT, "| OTLP data points/s | %,.0f | – | ≥ 150,000 |%n", pointsPerSec));
    sb.append(
        String.format(
            Locale.ROOT,
            "| MB/s of topic | %.1f | %.1f | Meshlens ≥ 30%% of bare |%n",
            meshlensMBps,
            bareMBps));
    sb.append(
        String.format(
            Locale.ROOT, "| share of bare consumer | %.0f%% | 100%% | ≥ 30%% |%n", share * 100));
    sb.append(
        String.format(
            Locale.ROOT,
            "| OTLP data points per CPU-second of the ingest threads | %,.0f | – | – |%n",
            points / ingestCpuSecs));
    sb.append(
        String.format(
            Locale.ROOT,
            "| Prometheus samples stored | %,d in %,d series | – | – |%n",
            samples,
            series));
    sb.append(
        String.format(
            Locale.ROOT,
            "| peak heap used (sampled every 20 ms) | %.0f MB | – | – |%n%n",
            peakHeap / 1e6));
    sb.append(
        "One OTLP histogram data point becomes several Prometheus samples (buckets, sum, count), so samples stored exceed data points.\n\n");
    sb.append("ConsumerPerformance output:\n\n```\n").append(perf).append("\n```\n");
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
