package io.meshlens.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorPublisher;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.meshlens.simulator.Topics;
import io.meshlens.store.Scope;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.logs.LogQuery;
import io.meshlens.store.logs.StoredLog;
import io.meshlens.tenancy.TenantDirectory;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access logs handled one partition per worker thread against one thread, on a real broker with
 * three partitions per topic: the simulator's JSON lines and OTLP records, a bad record and a
 * forwarder's retry of a line at a new offset leave both stores with the same entries, the same
 * offsets and the same counts.
 */
class AccessLogsParallelTest {

  private static final Topics TOPICS =
      new Topics("par_otlp_metrics", "par_otlp_spans", "par_otlp_logs", "par_access_logs");

  @TempDir Path parallelDir;
  @TempDir Path serialDir;

  @Test
  void workerThreadsStoreWhatOneThreadStores() throws Exception {
    EmbeddedKafkaBroker broker =
        new EmbeddedKafkaBroker().withKafkaHost("127.0.0.1").withKafkaPort(0).start();
    try {
      String l = broker.getAdvertisedListeners().split(",")[0];
      String bootstrap = l.substring(l.indexOf("://") + 3);
      Properties props = new Properties();
      props.put("bootstrap.servers", bootstrap);
      try (Admin admin = Admin.create(props)) {
        admin
            .createTopics(
                List.of(
                    new NewTopic(TOPICS.logs(), 3, (short) 1),
                    new NewTopic(TOPICS.accessLogs(), 3, (short) 1)))
            .all()
            .get();
      }
      SimulatorSettings settings =
          SimulatorSettings.defaults().withRequestsPerSecond(50).withTopics(TOPICS);
      Instant start = Instant.parse("2026-11-01T00:00:00Z");
      MeshSimulator sim = new MeshSimulator(settings, start);
      long lines = 0;
      long otlpRecords = 0;
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        SimulatorPublisher pub = new SimulatorPublisher(producer, settings);
        for (int i = 1; i <= 3; i++) {
          TickOutput out = sim.tick(start.plusSeconds(15L * i));
          TickOutput logsOnly =
              new TickOutput(
                  List.of(),
                  List.of(),
                  out.logs(),
                  out.accessLogLines(),
                  out.accessLogLineClusters());
          pub.publish(logsOnly);
          lines += out.accessLogLines().size();
          otlpRecords += out.logRecordCount();
          if (i == 2) {
            // A forwarder's retry: a line already sent, again at a new offset and sent the same way
            // (with its cluster header; without it the two copies would be attributed to different
            // clusters, and which copy is kept would depend on the order partitions are stored);
            // and a bad record.
            pub.publish(
                new TickOutput(
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(out.accessLogLines().get(0)),
                    List.of(out.accessLogLineClusters().get(0))));
            producer.send(
                new ProducerRecord<>(
                    TOPICS.accessLogs(), "not a log line".getBytes(StandardCharsets.UTF_8)));
          }
        }
        pub.flush();
      }
      assertThat(lines).isGreaterThan(1000);
      assertThat(otlpRecords).isGreaterThan(100);
      long messages = countMessages(bootstrap);

      TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
      try (AccessLogStore parallel = new AccessLogStore(parallelDir);
          AccessLogStore serial = new AccessLogStore(serialDir);
          DeadLetterQueue dlq = new DeadLetterQueue(bootstrap, "par_deadletter")) {
        // Which threads handle records: the handler asks for the tenants once per record.
        Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AccessLogsHandler p =
            new AccessLogsHandler(
                parallel,
                () -> {
                  threads.add(Thread.currentThread().getName());
                  return tenants;
                },
                Set.of(TOPICS.logs()));
        AccessLogsHandler s = new AccessLogsHandler(serial, () -> tenants, Set.of(TOPICS.logs()));
        assertThat(p.parallelAcrossPartitions()).isTrue();
        run(bootstrap, "par-parallel", p, dlq, 2, messages);
        run(bootstrap, "par-serial", s, dlq, 1, messages);
        // Besides the consumer thread, which takes one partition of a batch itself.
        assertThat(threads).anyMatch(n -> n.startsWith("par-parallel-worker-"));
        assertThat(threads).contains("par-parallel");

        // Taken: every record, the retried line twice.
        assertThat(p.stats().samples())
            .isEqualTo(s.stats().samples())
            .isEqualTo(lines + otlpRecords + 1);
        assertThat(p.stats().rejectedRecords()).isEqualTo(s.stats().rejectedRecords());
        assertThat(p.stats().rejectedRecords().values().stream().mapToLong(Long::longValue).sum())
            .isEqualTo(1);
        // The retried line is stored once.
        long distinct = lines + otlpRecords;
        assertThat(parallel.count(Scope.everything()))
            .isEqualTo(serial.count(Scope.everything()))
            .isEqualTo(distinct);
        assertThat(parallel.offsets()).isEqualTo(serial.offsets());
        assertThat(parallel.offsets().values().stream().mapToLong(Long::longValue).sum())
            .isEqualTo(messages);
        LogQuery all = LogQuery.between(0, Long.MAX_VALUE / 2, 1_000_000);
        List<StoredLog> expected = serial.search(Scope.everything(), all);
        assertThat(expected).hasSize((int) distinct);
        assertThat(parallel.search(Scope.everything(), all)).isEqualTo(expected);
      }
    } finally {
      broker.close();
    }
  }

  private static long countMessages(String bootstrap) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    long n = 0;
    try (Admin admin = Admin.create(props)) {
      for (String topic : List.of(TOPICS.logs(), TOPICS.accessLogs())) {
        List<org.apache.kafka.common.TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          tps.add(new org.apache.kafka.common.TopicPartition(topic, i));
        }
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>
            latest = new java.util.HashMap<>();
        tps.forEach(tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
        for (var info : admin.listOffsets(latest).all().get().values()) {
          n += info.offset();
        }
      }
    }
    return n;
  }

  private static void run(
      String bootstrap,
      String group,
      AccessLogsHandler handler,
      DeadLetterQueue dlq,
      int workers,
      long messages)
      throws Exception {
    KafkaIngestLoop loop =
        new KafkaIngestLoop(
            bootstrap,
            group,
            List.of(TOPICS.accessLogs(), TOPICS.logs()),
            group,
            handler,
            dlq,
            Duration.ofMillis(100),
            workers);
    Thread t = new Thread(loop, group);
    t.start();
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .until(
              () ->
                  handler.stats().records() >= messages
                      && handler.storedOffsets().values().stream().mapToLong(Long::longValue).sum()
                          >= messages);
    } finally {
      loop.close();
    }
  }
}
