package io.meshlens.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * One Kafka consumer thread feeding a {@link RecordHandler}: poll, hand every record to the
 * handler, dead-letter what it refuses, have the handler store the batch with its offsets, commit.
 * At-least-once: offsets advance only after the records are stored or dead-lettered; a store that
 * keeps offsets with its data decides where to resume; the stores absorb a replay's duplicates. The
 * consumer group's committed offsets follow durable data only ({@link
 * RecordHandler#durableOffsets}), and a revoked partition's data is made durable before it is
 * handed over, so that several replicas in one group neither lose nor repeat records when
 * partitions move between them.
 *
 * <p>A plain {@code KafkaConsumer} rather than a messaging framework, because the offsets must be
 * under the store's control.
 *
 * <p>With more than one worker thread and a handler that {@linkplain
 * RecordHandler#parallelAcrossPartitions() allows it}, the records of a polled batch are handled
 * one partition per thread, the consumer thread taking one of them itself: each partition's records
 * still in order (a series lives in one partition), the batch stored and committed only when every
 * partition's share is done.
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

  /** Per owned partition, the next offset after the last flushed batch. */
  private final Map<TopicPartition, Long> flushed = new HashMap<>();

  /** What the consumer group holds for each partition, as far as this loop committed it. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();

  private final Duration pollTimeout;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean assigned;

  /** Handles the partitions of a batch in parallel; null for one thread. */
  private final ExecutorService workers;

  public KafkaIngestLoop(
      String bootstrapServers,
      String groupId,
      List<String> topics,
      String clientId,
      RecordHandler handler,
      DeadLetterQueue deadLetters,
      Duration pollTimeout) {
    this(bootstrapServers, groupId, topics, clientId, handler, deadLetters, pollTimeout, 1);
  }

  /**
   * @param workerThreads threads that handle a batch's partitions in parallel (when the handler
   *     allows it); 1 handles everything on the consumer thread
   */
  public KafkaIngestLoop(
      String bootstrapServers,
      String groupId,
      List<String> topics,
      String clientId,
      RecordHandler handler,
      DeadLetterQueue deadLetters,
      Duration pollTimeout,
      int workerThreads) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024));
    // Small records (one resource each) come 500 to a poll by default, mostly from one partition:
    // a larger batch spans partitions, which the worker threads handle in parallel. Bytes per poll
    // stay bounded by fetch.max.bytes.
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    // A crashed replica's partitions move after 10 s instead of Kafka's default 45 s.
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
    this.consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topics = List.copyOf(topics);
    this.handler = Objects.requireNonNull(handler);
    this.deadLetters = Objects.requireNonNull(deadLetters);
    this.pollTimeout = pollTimeout;
    if (workerThreads > 1 && handler.parallelAcrossPartitions()) {
      AtomicInteger n = new AtomicInteger();
      this.workers =
          Executors.newFixedThreadPool(
              workerThreads,
              r -> {
                Thread t = new Thread(r, clientId + "-worker-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    } else {
      this.workers = null;
    }
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
              // Everything polled so far has been handled: make it durable and hand the offsets
              // over, so that the next owner starts right after it.
              try {
                handler.makeDurable();
              } catch (Exception e) {
                LOG.errorf(
                    e,
                    "%s ingest: could not make data durable before a rebalance; the next owner"
                        + " re-reads it",
                    handler.stats().signal());
              }
              commitDurable();
              partitions.forEach(lag::remove);
              partitions.forEach(flushed::remove);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              resumeAssigned(partitions);
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
        for (Refused refused : handleAll(records)) {
          dead.add(deadLetters.send(handler.stats().signal(), refused.record(), refused.why()));
          deadReasons.add(refused.why().reason());
        }
        for (TopicPartition tp : records.partitions()) {
          List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
          next.put(tp, rs.get(rs.size() - 1).offset() + 1);
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
        flushed.putAll(next);
        commitDurable();
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
        if (workers != null) {
          workers.shutdownNow();
        }
        stopped.countDown();
      }
    }
  }

  /**
   * Commits the offsets whose data the handler has made durable, where they moved on. The group's
   * offsets never run ahead of durable data: a replica that dies with data only in memory leaves
   * its partitions to the next owner at the point where its durable data ends.
   */
  private void commitDurable() {
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    handler
        .durableOffsets(Map.copyOf(flushed))
        .forEach(
            (tp, next) -> {
              Long done = committed.get(tp);
              if (flushed.containsKey(tp) && (done == null || next > done)) {
                commit.put(tp, new OffsetAndMetadata(next));
              }
            });
    if (commit.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(commit);
      commit.forEach((tp, o) -> committed.put(tp, o.offset()));
    } catch (CommitFailedException | RebalanceInProgressException e) {
      // The group is rebalancing: the new owner starts from the last committed offsets and reads
      // some records again, which costs time, not data.
      LOG.warnf("%s ingest: commit refused during a rebalance: %s", handler.stats().signal(), e);
    }
  }

  /**
   * Starts each newly assigned partition where both this store and the group agree nothing is
   * missing: the later of the store's own offset (data durable here) and the group's committed
   * offset (data durable at whichever replica committed it).
   */
  private void resumeAssigned(Collection<TopicPartition> partitions) {
    Map<TopicPartition, Long> stored = handler.storedOffsets();
    Map<TopicPartition, OffsetAndMetadata> group = consumer.committed(Set.copyOf(partitions));
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata c = group.get(tp);
      Long here = stored.get(tp);
      if (c != null) {
        committed.put(tp, c.offset());
      } else {
        committed.remove(tp);
      }
      if (here != null && (c == null || here > c.offset())) {
        consumer.seek(tp, here);
      }
    }
  }

  private record Refused(ConsumerRecord<byte[], byte[]> record, Rejection why) {}

  /**
   * Hands every record to the handler, one partition per thread (the first on this one); returns
   * the refused ones, in partition order.
   */
  private List<Refused> handleAll(ConsumerRecords<byte[], byte[]> records)
      throws InterruptedException {
    Set<TopicPartition> partitions = records.partitions();
    if (workers == null || partitions.size() < 2) {
      List<Refused> refused = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        handler.handle(r).ifPresent(why -> refused.add(new Refused(r, why)));
      }
      return refused;
    }
    List<Future<List<Refused>>> parts = new ArrayList<>();
    TopicPartition own = null;
    for (TopicPartition tp : partitions) {
      if (own == null) {
        // The consumer thread would only wait for the workers: it handles one partition itself,
        // so that a batch of one partition more than there are workers (3 partitions, 2 cores)
        // takes one round, not two.
        own = tp;
        continue;
      }
      List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
      parts.add(workers.submit(() -> handlePartition(rs)));
    }
    List<Refused> refused = handlePartition(records.records(own));
    for (Future<List<Refused>> part : parts) {
      try {
        refused.addAll(part.get());
      } catch (ExecutionException e) {
        // A handler bug: stop as the single-threaded loop would.
        Throwable cause = e.getCause();
        throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
      }
    }
    return refused;
  }

  /** Hands one partition's records to the handler, in order; returns the refused ones. */
  private List<Refused> handlePartition(List<ConsumerRecord<byte[], byte[]>> rs) {
    List<Refused> refused = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : rs) {
      handler.handle(r).ifPresent(why -> refused.add(new Refused(r, why)));
    }
    return refused;
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
