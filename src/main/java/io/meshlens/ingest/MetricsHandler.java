package io.meshlens.ingest;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Metrics records go straight into the in-memory metric store through the {@link MetricsPipeline};
 * that store keeps no offsets yet, so the consumer group's offsets decide where to resume.
 */
public final class MetricsHandler implements RecordHandler {

  private final MetricsPipeline pipeline;

  public MetricsHandler(MetricsPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Override
  public IngestStats stats() {
    return pipeline.stats();
  }

  @Override
  public Optional<Rejection> handle(ConsumerRecord<byte[], byte[]> r) {
    return pipeline.accept(r.topic(), r.value(), KafkaIngestLoop.clusterHeader(r));
  }

  @Override
  public void flush(Map<TopicPartition, Long> nextOffsets) {}

  @Override
  public void discardPending() {}

  @Override
  public Map<TopicPartition, Long> storedOffsets() {
    return Map.of();
  }
}
