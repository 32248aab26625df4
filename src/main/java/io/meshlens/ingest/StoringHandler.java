package io.meshlens.ingest;

import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.tenancy.TenantsConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link RecordHandler} for stores that keep Kafka offsets with their data (spans, logs): records
 * are decoded and attributed into a pending batch of rows, which {@link #flush} hands to the store
 * together with the offsets, in one transaction.
 *
 * @param <R> the stored row type
 */
abstract class StoringHandler<R> implements RecordHandler {

  private final IngestStats stats;
  private final Supplier<TenantDirectory> tenants;
  private final List<R> pending = new ArrayList<>();
  private final Map<String, Long> pendingByTenant = new HashMap<>();

  /** The tenants file's per-tenant limits. */
  final TenantLimiter limiter;

  StoringHandler(IngestStats stats, Supplier<TenantDirectory> tenants) {
    this.stats = stats;
    this.tenants = tenants;
    this.limiter = new TenantLimiter(tenants);
  }

  @Override
  public final IngestStats stats() {
    return stats;
  }

  @Override
  public final Optional<Rejection> handle(ConsumerRecord<byte[], byte[]> r) {
    byte[] value = r.value();
    stats.record(r.topic(), value == null ? 0 : value.length);
    Optional<Rejection> rejection;
    try {
      rejection = decode(r, tenants.get());
    } catch (RuntimeException e) {
      // A bug must not stop ingestion; the record is dead-lettered with what went wrong.
      rejection = Optional.of(new Rejection(Rejection.INTERNAL_ERROR, String.valueOf(e)));
    }
    rejection.ifPresent(x -> stats.rejectRecord(x.reason()));
    return rejection;
  }

  /**
   * Decodes one record, calling {@link #add} for each row. Returns why the whole record is refused,
   * if it is.
   */
  abstract Optional<Rejection> decode(ConsumerRecord<byte[], byte[]> r, TenantDirectory tenants);

  /** Stores rows and offsets ({@code "topic/partition"} to next offset) in one transaction. */
  abstract void store(List<R> rows, Map<String, Long> offsets) throws Exception;

  /** The store's offsets, {@code "topic/partition"} to next offset. */
  abstract Map<String, Long> loadOffsets() throws Exception;

  /**
   * Adds a row to the pending batch. Safe from several threads at once, for handlers that {@link
   * #parallelAcrossPartitions() handle partitions in parallel}; {@link #flush} runs after every
   * {@link #handle} of the batch has returned.
   */
  final void add(R row, String tenant) {
    synchronized (pending) {
      pending.add(row);
      pendingByTenant.merge(tenant, 1L, Long::sum);
    }
  }

  final void discardItem(String reason) {
    stats.discardPoint(reason);
  }

  /** An item of {@code tenant} left out for a reason of its own (its limits). */
  final void discardItem(String reason, String tenant) {
    stats.discardPoint(reason, tenant);
  }

  /** The tenant of a namespace in a cluster; {@code unassigned} when the namespace is unknown. */
  static String tenantOf(TenantDirectory tenants, String namespace, String cluster) {
    return namespace == null || namespace.isEmpty()
        ? TenantsConfig.UNASSIGNED
        : tenants.tenantOf(namespace, cluster);
  }

  static String firstNonEmpty(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return "unknown";
  }

  @Override
  public final void flush(Map<TopicPartition, Long> nextOffsets) throws Exception {
    Map<String, Long> offsets = new HashMap<>();
    nextOffsets.forEach((tp, o) -> offsets.put(OffsetKeys.key(tp), o));
    synchronized (pending) {
      store(pending, offsets);
      pendingByTenant.forEach((t, n) -> stats.pointsOf(t).add(n));
      discardPending();
    }
  }

  @Override
  public final void discardPending() {
    synchronized (pending) {
      pending.clear();
      pendingByTenant.clear();
    }
  }

  @Override
  public final Map<TopicPartition, Long> storedOffsets() {
    try {
      return OffsetKeys.parse(loadOffsets());
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the store's Kafka offsets", e);
    }
  }
}
