package io.meshlens.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshlens.ingest.spans.SimulatedMesh;
import io.meshlens.ingest.spans.SpanDecoder;
import io.meshlens.store.Scope;
import io.meshlens.store.spans.SpanStore;
import io.meshlens.store.spans.StoredSpan;
import io.meshlens.tenancy.TenantDirectory;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spans decoded one partition per worker thread against the same records on the consumer thread
 * alone, on a real broker: the simulator's spans spread over four partitions, plus a message that
 * is not OTLP, leave both stores with the same spans, the same offsets and the same counters.
 */
class SpansParallelDecodeTest {

  private static final String TOPIC = "parallel_spans";

  private static EmbeddedKafkaBroker broker;
  private static String bootstrap;
  private static long messages;

  @TempDir Path parallelDir;
  @TempDir Path singleDir;

  private final TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));

  @BeforeAll
  static void startBroker() throws Exception {
    broker = new EmbeddedKafkaBroker().withKafkaHost("127.0.0.1").withKafkaPort(0).start();
    String l = broker.getAdvertisedListeners().split(",")[0];
    bootstrap = l.substring(l.indexOf("://") + 3);
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get();
    }
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 << 20));
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      int i = 0;
      for (byte[] m : SimulatedMesh.get().spanProto()) {
        producer.send(new ProducerRecord<>(TOPIC, i++ % 4, null, m));
      }
      producer.send(new ProducerRecord<>(TOPIC, 1, null, new byte[] {1, 2, 3}));
      i++;
      producer.flush();
      messages = i;
    }
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void partitionsDecodedInParallelStoreWhatOneThreadStores() throws Exception {
    assertThat(messages).isGreaterThan(8);
    try (SpanStore parallel = new SpanStore(parallelDir);
        SpanStore single = new SpanStore(singleDir)) {
      SpansHandler p = ingest(parallel, 2);
      SpansHandler s = ingest(single, 1);
      assertThat(p.parallelAcrossPartitions()).isTrue();
      // Both workers took partitions; the single loop decoded on its consumer thread only.
      assertThat(threads.get(2)).contains("parallel-spans-2-worker-1", "parallel-spans-2-worker-2");
      assertThat(threads.get(1)).containsExactly("parallel-spans-1");

      assertThat(parallel.offsets()).isEqualTo(single.offsets()).hasSize(4);
      long count = single.count(Scope.everything());
      assertThat(count).isGreaterThan(1000);
      assertThat(parallel.count(Scope.everything())).isEqualTo(count);
      assertThat(p.stats().samples()).isEqualTo(s.stats().samples()).isEqualTo(count);
      assertThat(p.stats().records()).isEqualTo(s.stats().records()).isEqualTo(messages);
      assertThat(p.stats().pointsByTenant()).isEqualTo(s.stats().pointsByTenant());
      assertThat(p.stats().lastSeenByCluster()).isEqualTo(s.stats().lastSeenByCluster());
      Set<String> traces = new TreeSet<>();
      SpanDecoder decoder = new SpanDecoder();
      for (byte[] m : SimulatedMesh.get().spanProto()) {
        decoder.decode(m).value().forEach(r -> traces.add(r.traceId()));
      }
      long seen = 0;
      for (String trace : traces) {
        List<StoredSpan> expected = trace(single, trace);
        assertThat(expected).isNotEmpty();
        assertThat(trace(parallel, trace)).isEqualTo(expected);
        seen += expected.size();
      }
      assertThat(seen).isEqualTo(count);
    }
  }

  private static List<StoredSpan> trace(SpanStore store, String traceId) {
    try {
      return store.trace(Scope.everything(), traceId);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Threads that decoded records, by the loop's worker count. */
  private final Map<Integer, Set<String>> threads = new ConcurrentHashMap<>();

  private SpansHandler ingest(SpanStore store, int workers) throws Exception {
    SpansHandler spans = new SpansHandler(store, () -> tenants);
    Set<String> seen = threads.computeIfAbsent(workers, w -> ConcurrentHashMap.newKeySet());
    RecordHandler handler =
        new RecordHandler() {
          @Override
          public IngestStats stats() {
            return spans.stats();
          }

          @Override
          public java.util.Optional<Rejection> handle(
              org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r) {
            seen.add(Thread.currentThread().getName());
            return spans.handle(r);
          }

          @Override
          public void flush(Map<org.apache.kafka.common.TopicPartition, Long> next)
              throws Exception {
            spans.flush(next);
          }

          @Override
          public boolean parallelAcrossPartitions() {
            return spans.parallelAcrossPartitions();
          }

          @Override
          public void discardPending() {
            spans.discardPending();
          }

          @Override
          public Map<org.apache.kafka.common.TopicPartition, Long> storedOffsets() {
            return spans.storedOffsets();
          }
        };
    try (DeadLetterQueue dlq = new DeadLetterQueue(bootstrap, "parallel_deadletter")) {
      KafkaIngestLoop loop =
          new KafkaIngestLoop(
              bootstrap,
              "parallel-spans-" + workers,
              List.of(TOPIC),
              "parallel-spans-" + workers,
              handler,
              dlq,
              Duration.ofMillis(100),
              workers);
      Thread t = new Thread(loop, "parallel-spans-" + workers);
      t.start();
      try {
        await()
            .atMost(Duration.ofSeconds(120))
            .until(
                () ->
                    store.offsets().values().stream().mapToLong(Long::longValue).sum() == messages);
      } finally {
        loop.close();
        t.join();
      }
    }
    Map<String, Long> rejected = spans.stats().rejectedRecords();
    assertThat(rejected).containsOnlyKeys("decode_error");
    return spans;
  }
}
