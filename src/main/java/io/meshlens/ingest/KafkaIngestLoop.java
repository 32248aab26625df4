package io.meshlens.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * One Kafka consumer thread feeding a {@link RecordHandler}: poll, hand every record to the
 * handler, dead-letter what it refuses, have the handler store the batch with its offsets, commit.
 * At-least-once: offsets advance only after the records are stored or dead-lettered; a store that
 * keeps offsets with its data decides where to resume; the stores absorb a replay's duplicates.
 *
 * <p>A plain {@code KafkaConsumer} rather than a messaging framework, because the offsets must be
 * under the store's control.
 */
public final class KafkaIngestLoop implements Runnable, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(KafkaIngestLoop.class);

  /** Optional Kafka header naming the cluster a record came from. */
  public static final String CLUSTER_HEADER = "cluster";

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<String> topics;
  private final RecordHandler handler;
  private final DeadLetterQueue deadLetters;
  private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
  private final Duration pollTimeout;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean assigned;

  public KafkaIngestLoop(
      String bootstrapServers,
      String groupId,
      List<String> topics,
      String clientId,
      RecordHandler handler,
      DeadLetterQueue deadLetters,
      Duration pollTimeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024));
    // A crashed replica's partitions move after 10 s instead of Kafka's default 45 s.
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
    this.consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topics = List.copyOf(topics);
    this.handler = Objects.requireNonNull(handler);
    this.deadLetters = Objects.requireNonNull(deadLetters);
    this.pollTimeout = pollTimeout;
  }

  /** Whether the consumer group has given this loop its partitions at least once. */
  public boolean isAssigned() {
    return assigned;
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(
          topics,
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
              // Everything polled so far has been processed: hand its offsets over cleanly.
              consumer.commitSync();
              partitions.forEach(lag::remove);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              // A store that keeps its offsets with its data decides where to resume.
              Map<TopicPartition, Long> stored = handler.storedOffsets();
              for (TopicPartition tp : partitions) {
                Long next = stored.get(tp);
                if (next != null) {
                  consumer.seek(tp, next);
                }
              }
              assigned = true;
              LOG.infof("%s ingest assigned %s", handler.stats().signal(), partitions);
            }
          });
      while (running.get()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
        updateLag();
        if (records.isEmpty()) {
          continue;
        }
        List<Future<RecordMetadata>> dead = new ArrayList<>();
        List<String> deadReasons = new ArrayList<>();
        Map<TopicPartition, Long> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          Optional<Rejection> rejected = handler.handle(r);
          if (rejected.isPresent()) {
            dead.add(deadLetters.send(handler.stats().signal(), r, rejected.get()));
            deadReasons.add(rejected.get().reason());
          }
          next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
        }
        try {
          if (!dead.isEmpty()) {
            deadLetters.await(dead, Duration.ofSeconds(30));
          }
          handler.flush(next);
        } catch (Exception e) {
          // Not moving past records whose data or dead letter was not written: re-read them.
          LOG.errorf("%s ingest: batch not stored, re-reading it: %s", handler.stats().signal(), e);
          handler.discardPending();
          rewind(records);
          continue;
        }
        deadReasons.forEach(handler.stats()::deadLettered);
        consumer.commitSync();
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.errorf(e, "%s ingest stopped", handler.stats().signal());
      throw e;
    } finally {
      try {
        consumer.close(Duration.ofSeconds(5));
      } finally {
        stopped.countDown();
      }
    }
  }

  private void rewind(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
    for (TopicPartition tp : records.partitions()) {
      consumer.seek(tp, records.records(tp).get(0).offset());
    }
    Thread.sleep(1000);
  }

  private void updateLag() {
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) {
        lag.put(tp, l.getAsLong());
      }
    }
  }

  /** Records behind the end of each owned partition, as of the last poll. */
  public Map<TopicPartition, Long> lag() {
    return Map.copyOf(lag);
  }

  /** The {@value #CLUSTER_HEADER} header of a record, or null. */
  public static String clusterHeader(ConsumerRecord<byte[], byte[]> r) {
    Header h = r.headers().lastHeader(CLUSTER_HEADER);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    consumer.wakeup();
    if (!stopped.await(15, TimeUnit.SECONDS)) {
      LOG.warnf("%s ingest did not stop within 15 s", handler.stats().signal());
    }
  }
}
