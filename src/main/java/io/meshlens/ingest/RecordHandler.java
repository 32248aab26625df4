package io.meshlens.ingest;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What {@link KafkaIngestLoop} does with the records of one signal: take each record (decoding,
 * attributing, buffering or storing its data), then make a polled batch durable together with the
 * offsets it covers.
 */
public interface RecordHandler {

  /** The signal's counters ({@link IngestStats#signal()} names the signal). */
  IngestStats stats();

  /**
   * Takes one record. Never throws on bad data: returns why the whole record is refused, for the
   * dead-letter topic.
   */
  Optional<Rejection> handle(ConsumerRecord<byte[], byte[]> record);

  /**
   * Makes everything taken since the last flush durable, with {@code nextOffsets} (per partition,
   * the next offset to read) in the same transaction where the store keeps offsets.
   *
   * @throws Exception when nothing was stored; the loop re-reads the batch
   */
  void flush(Map<TopicPartition, Long> nextOffsets) throws Exception;

  /**
   * Whether {@link #handle} may be called from several threads at once for records of different
   * partitions (each partition's records still in order, one thread at a time). False by default.
   */
  default boolean parallelAcrossPartitions() {
    return false;
  }

  /**
   * Of the offsets flushed so far ({@code flushed}, per partition the next offset to read), those
   * whose data is durable: what the consumer group may commit. By default {@link #flush} makes a
   * batch durable, so all of them.
   */
  default Map<TopicPartition, Long> durableOffsets(Map<TopicPartition, Long> flushed) {
    return flushed;
  }

  /**
   * Makes everything flushed so far durable now: called before partitions move to another replica.
   * Nothing to do by default, where {@link #flush} already makes data durable.
   */
  default void makeDurable() throws Exception {}

  /** Drops whatever was taken since the last flush (before a re-read). */
  void discardPending();

  /** Where the store says reading must resume; empty to use the consumer group's offsets. */
  Map<TopicPartition, Long> storedOffsets();
}
