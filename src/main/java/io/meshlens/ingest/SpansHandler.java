package io.meshlens.ingest;

import io.meshlens.ingest.decode.DecodeFailure;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.spans.SpanDecoder;
import io.meshlens.ingest.spans.SpanRecord;
import io.meshlens.store.spans.SpanStore;
import io.meshlens.store.spans.StoredSpan;
import io.meshlens.tenancy.TenantDirectory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * OTLP spans into the {@link SpanStore}: each span belongs to the tenant of the proxy that emitted
 * it ({@code istio.namespace}, {@code k8s.namespace.name} or {@code node_id}), in its cluster
 * ({@code istio.cluster_id}, {@code k8s.cluster.name}, else the Kafka header).
 */
public final class SpansHandler extends StoringHandler<StoredSpan> {

  private final SpanDecoder decoder = new SpanDecoder();
  private final SpanStore store;

  public SpansHandler(SpanStore store, Supplier<TenantDirectory> tenants) {
    super(new IngestStats("spans"), tenants);
    this.store = store;
  }

  @Override
  Optional<Rejection> decode(ConsumerRecord<byte[], byte[]> r, TenantDirectory tenants) {
    DecodeResult<List<SpanRecord>> result = decoder.decode(r.value());
    if (!result.isOk()) {
      return Optional.of(new Rejection(result.reason().code(), result.message()));
    }
    for (DecodeFailure f : result.rejected()) {
      discardItem(f.reason().code());
    }
    String header = KafkaIngestLoop.clusterHeader(r);
    for (SpanRecord span : result.value()) {
      String cluster = firstNonEmpty(span.cluster(), header);
      String tenant = tenantOf(tenants, span.namespace(), cluster);
      if (!limiter.allowSpan(tenant)) {
        discardItem(TenantLimiter.SPAN_RATE_LIMIT, tenant);
        continue;
      }
      StoredSpan s = StoredSpan.of(span, tenant, cluster);
      add(s, tenant);
      stats().clusterClock(cluster).observe((s.startMicros() + s.durationMicros()) / 1000);
    }
    return Optional.empty();
  }

  /**
   * Decoding and attribution are thread-safe (the decoder, the tenant directory, the limiter, the
   * counters; rows go into the batch under its lock), and spans need no order within a batch, so a
   * batch's partitions are decoded in parallel; the batch is stored once, on the consumer thread.
   */
  @Override
  public boolean parallelAcrossPartitions() {
    return true;
  }

  @Override
  void store(List<StoredSpan> rows, Map<String, Long> offsets) throws Exception {
    store.append(rows, offsets);
  }

  @Override
  Map<String, Long> loadOffsets() throws Exception {
    return store.offsets();
  }
}
