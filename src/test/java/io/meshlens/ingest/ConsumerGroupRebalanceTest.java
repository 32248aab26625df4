package io.meshlens.ingest;

import static io.meshlens.testing.OtlpMetrics.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesData;
import io.meshlens.tenancy.TenantDirectory;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Meshlens replicas in one consumer group on a real broker: a replica joins, then the first one
 * leaves, while records keep coming. Across both replicas' stores (reopened from disk) every sample
 * is there exactly once, and the group's committed offsets never run ahead of what a replica holds
 * durably, which is what makes a replica's crash lose nothing either.
 */
class ConsumerGroupRebalanceTest {

  private static final String TOPIC = "rebalance_metrics";
  private static final String GROUP = "meshlens-rebalance";
  private static final int PODS = 40;
  private static final int ROUNDS_PER_BATCH = 10;
  private static final long T0 = 1_700_000_000_000L;

  private static EmbeddedKafkaBroker broker;
  private static String bootstrap;

  @TempDir Path dirA;
  @TempDir Path dirB;

  private final TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
  private int round;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = new EmbeddedKafkaBroker().withKafkaHost("127.0.0.1").withKafkaPort(0).start();
    String l = broker.getAdvertisedListeners().split(",")[0];
    bootstrap = l.substring(l.indexOf("://") + 3);
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get();
    }
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void replicasJoiningAndLeavingNeitherLoseNorRepeatSamples() throws Exception {
    Replica a = new Replica("a", dirA);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      produceBatch(producer);
      a.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> a.stats.records() >= batchRecords());

      // Everything is in A's memory, nothing on its disk: the group must not have moved on.
      assertThat(committedTotal()).isZero();
      assertThat(a.store.persistedOffsets()).isEmpty();

      // B joins: A writes its data before handing partitions over.
      Replica b = new Replica("b", dirB);
      b.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> b.loop.isAssigned() && committedTotal() == batchRecords());
      assertThat(sum(a.store.persistedOffsets())).isEqualTo(batchRecords());

      produceBatch(producer);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> a.stats.records() + b.stats.records() >= 2L * batchRecords());
      assertThat(b.stats.records()).as("B took a share of the second batch").isPositive();

      // A leaves: B takes every partition where A's durable data ends.
      a.stop();
      produceBatch(producer);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> a.stats.records() + b.stats.records() >= 3L * batchRecords());
      b.stop();
    }

    // Reopened from disk, the two stores hold every sample exactly once between them.
    Map<String, List<Long>> timestamps = new HashMap<>();
    for (Path dir : List.of(dirA, dirB)) {
      MetricStore reopened = MetricStore.open(dir, Duration.ofHours(2));
      try {
        reopened.headWindowLoaded().get();
        for (SeriesData s :
            reopened.select(
                Scope.everything(),
                List.of(LabelMatcher.equal("__name__", "app_requests_total")),
                0,
                Long.MAX_VALUE)) {
          List<Long> ts =
              timestamps.computeIfAbsent(s.labels().get("k8s_pod_name"), k -> new ArrayList<>());
          for (long t : s.timestamps()) {
            ts.add(t);
          }
        }
      } finally {
        reopened.close();
      }
    }
    assertThat(timestamps).hasSize(PODS);
    List<Long> expected = new ArrayList<>();
    for (int r = 0; r < round; r++) {
      expected.add(T0 + r * 15_000L);
    }
    timestamps.forEach(
        (pod, ts) -> assertThat(ts).as(pod).containsExactlyInAnyOrderElementsOf(expected));
  }

  /** One Meshlens ingest path with its own durable store, checkpointing only when it must. */
  private final class Replica {
    final MetricStore store;
    final IngestStats stats = new IngestStats("metrics");
    final MetricsHandler handler;
    final KafkaIngestLoop loop;
    final DeadLetterQueue deadLetters;
    final Thread thread;

    Replica(String name, Path dir) throws Exception {
      store = MetricStore.open(dir, Duration.ofHours(2));
      MetricsPipeline pipeline =
          new MetricsPipeline(
              new OtlpMetricsTranslator(TranslatorSettings.defaults()),
              () -> tenants,
              store,
              stats,
              MetricsPipeline.Encoding.AUTO,
              1_000_000);
      // No timed checkpoint during the test: data is durable only when a rebalance or a stop
      // asks for it.
      handler = new MetricsHandler(pipeline, store, Duration.ofHours(1), Clock.systemUTC());
      deadLetters = new DeadLetterQueue(bootstrap, "rebalance_deadletter");
      loop =
          new KafkaIngestLoop(
              bootstrap,
              GROUP,
              List.of(TOPIC),
              "replica-" + name,
              handler,
              deadLetters,
              Duration.ofMillis(100),
              2);
      thread = new Thread(loop, "replica-" + name);
    }

    void start() {
      thread.start();
    }

    void stop() throws Exception {
      loop.close();
      thread.join(20_000);
      assertThat(handler.checkpoint()).isTrue();
      deadLetters.close();
      store.close();
    }
  }

  private long batchRecords() {
    return (long) PODS * ROUNDS_PER_BATCH;
  }

  /** Ten more exports of every pod's counter, each pod keyed to its own partition. */
  private void produceBatch(KafkaProducer<byte[], byte[]> producer) throws Exception {
    for (int r = 0; r < ROUNDS_PER_BATCH; r++, round++) {
      for (int p = 0; p < PODS; p++) {
        String pod = "api-" + p;
        byte[] value =
            counter("east-1", "payments", pod, "app_requests", round + 1.0, T0 + round * 15_000L)
                .toByteArray();
        producer.send(new ProducerRecord<>(TOPIC, pod.getBytes(StandardCharsets.UTF_8), value));
      }
    }
    producer.flush();
  }

  private static long committedTotal() throws Exception {
    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
      return offsets.values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
    }
  }

  private static long sum(Map<String, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  private static Admin admin() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    return Admin.create(p);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
