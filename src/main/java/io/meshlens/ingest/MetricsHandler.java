package io.meshlens.ingest;

import io.meshlens.store.MetricStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Metrics records go into the metric store's in-memory head through the {@link MetricsPipeline};
 * every {@code checkpointInterval} the store writes what is new to disk together with the offsets
 * of the last batch, in one transaction ({@link MetricStore#checkpoint}). The store's offsets
 * decide where a restarted consumer resumes, so a crash replays at most one interval of Kafka, and
 * the store drops the replayed samples it already has.
 *
 * <p>Checkpoints run on the consumer thread between two batches, which is what makes the data and
 * the offsets match exactly. A failed checkpoint is logged and counted; ingestion goes on and the
 * next one writes everything since the last success.
 */
public final class MetricsHandler implements RecordHandler {

  private static final Logger LOG = Logger.getLogger(MetricsHandler.class);

  private final MetricsPipeline pipeline;
  private final MetricStore store;
  private final Duration checkpointInterval;
  private final Clock clock;
  private final Map<String, Long> covered = new HashMap<>();

  /** The offsets written by the last successful checkpoint (or found in the store at start). */
  private volatile Map<TopicPartition, Long> durable;

  private final AtomicLong failedCheckpoints = new AtomicLong();
  private long lastCheckpoint;

  public MetricsHandler(
      MetricsPipeline pipeline, MetricStore store, Duration checkpointInterval, Clock clock) {
    this.pipeline = pipeline;
    this.store = store;
    this.checkpointInterval = checkpointInterval;
    this.clock = clock;
    this.lastCheckpoint = clock.millis();
    this.durable = OffsetKeys.parse(store.persistedOffsets());
  }

  @Override
  public IngestStats stats() {
    return pipeline.stats();
  }

  @Override
  public Optional<Rejection> handle(ConsumerRecord<byte[], byte[]> r) {
    return pipeline.accept(r.topic(), r.value(), KafkaIngestLoop.clusterHeader(r));
  }

  /** The pipeline and the store are thread-safe; a series lives in one partition. */
  @Override
  public boolean parallelAcrossPartitions() {
    return true;
  }

  @Override
  public void flush(Map<TopicPartition, Long> nextOffsets) {
    synchronized (covered) {
      nextOffsets.forEach((tp, o) -> covered.put(OffsetKeys.key(tp), o));
    }
    if (clock.millis() - lastCheckpoint >= checkpointInterval.toMillis()) {
      checkpoint();
    }
  }

  /**
   * Writes the store's new data with the offsets of the last flushed batch. Called by the consumer
   * between batches, and once more at shutdown after the consumer has stopped.
   *
   * @return whether the checkpoint was written
   */
  public boolean checkpoint() {
    Map<String, Long> offsets;
    synchronized (covered) {
      offsets = Map.copyOf(covered);
    }
    lastCheckpoint = clock.millis();
    try {
      long start = System.nanoTime();
      store.checkpoint(offsets);
      durable = OffsetKeys.parse(offsets);
      LOG.debugf("metric store checkpoint in %d ms", (System.nanoTime() - start) / 1_000_000);
      return true;
    } catch (Exception e) {
      failedCheckpoints.incrementAndGet();
      LOG.errorf(e, "metric store checkpoint failed; data stays in memory and is retried");
      return false;
    }
  }

  /** Checkpoints that failed since start-up. */
  public long failedCheckpoints() {
    return failedCheckpoints.get();
  }

  /** Only what the last checkpoint wrote: the rest lives in memory until the next one. */
  @Override
  public Map<TopicPartition, Long> durableOffsets(Map<TopicPartition, Long> flushed) {
    return durable;
  }

  @Override
  public void makeDurable() throws Exception {
    if (!checkpoint()) {
      throw new IllegalStateException("metric store checkpoint failed");
    }
  }

  @Override
  public void discardPending() {
    // Samples already in the head stay; the re-read batch is dropped there as duplicates.
  }

  @Override
  public Map<TopicPartition, Long> storedOffsets() {
    return OffsetKeys.parse(store.persistedOffsets());
  }
}
