package io.meshlens.ingest;

import io.meshlens.ingest.decode.DecodeFailure;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.decode.Workloads;
import io.meshlens.ingest.logs.AccessLogDecoder;
import io.meshlens.ingest.logs.AccessLogRecord;
import io.meshlens.ingest.logs.LogBatch;
import io.meshlens.ingest.logs.OtlpLogDecoder;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.logs.StoredLog;
import io.meshlens.tenancy.TenantDirectory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Istio access logs into the {@link AccessLogStore}, from a log forwarder's topic (JSON or TEXT
 * lines) and from OTLP logs (Envoy's OpenTelemetry access logger). A line belongs to the tenant of
 * the proxy that wrote it; when the line names no namespace (raw lines without forwarder metadata),
 * an inbound line belongs to its destination service's namespace, which is the proxy's own. OTLP
 * log records that are not access logs are counted as discarded ({@code not_an_access_log}) until
 * the generic log store exists.
 *
 * <p>The records of a polled batch are decoded one partition per worker thread (decoders, tenant
 * directory, limiter and counters are thread-safe); the batch is stored on the consumer thread.
 * Which order a batch's rows reach the store in does not matter: an entry is identified by its
 * content.
 */
public final class AccessLogsHandler extends StoringHandler<AccessLogStore.Entry> {

  private final AccessLogDecoder lines = new AccessLogDecoder();
  private final OtlpLogDecoder otlp = new OtlpLogDecoder();
  private final Set<String> otlpTopics;
  private final AccessLogStore store;

  public AccessLogsHandler(
      AccessLogStore store, Supplier<TenantDirectory> tenants, Set<String> otlpTopics) {
    super(new IngestStats("logs"), tenants);
    this.store = store;
    this.otlpTopics = Set.copyOf(otlpTopics);
  }

  @Override
  Optional<Rejection> decode(ConsumerRecord<byte[], byte[]> r, TenantDirectory tenants) {
    String header = KafkaIngestLoop.clusterHeader(r);
    List<AccessLogRecord> records;
    List<DecodeFailure> rejected;
    if (otlpTopics.contains(r.topic())) {
      DecodeResult<LogBatch> result = otlp.decode(r.value(), header);
      if (!result.isOk()) {
        return Optional.of(new Rejection(result.reason().code(), result.message()));
      }
      records = result.value().accessLogs();
      rejected = result.rejected();
      for (int i = 0; i < result.value().logLines().size(); i++) {
        discardItem("not_an_access_log");
      }
    } else {
      DecodeResult<List<AccessLogRecord>> result = lines.decode(r.value(), header);
      if (!result.isOk()) {
        return Optional.of(new Rejection(result.reason().code(), result.message()));
      }
      records = result.value();
      rejected = result.rejected();
    }
    for (DecodeFailure f : rejected) {
      discardItem(f.reason().code());
    }
    for (AccessLogRecord rec : records) {
      String cluster = firstNonEmpty(rec.cluster(), header);
      String namespace = rec.namespace();
      if ((namespace == null || namespace.isEmpty()) && rec.direction() == Direction.INBOUND) {
        namespace = rec.destinationNamespace();
      }
      String tenant = tenantOf(tenants, namespace, cluster);
      if (!limiter.allowLogBytes(tenant, rec.raw().length())) {
        discardItem(TenantLimiter.LOG_BYTES_RATE_LIMIT, tenant);
        continue;
      }
      // Hashed here, on a decoding thread, rather than on the thread that stores the batch.
      add(
          AccessLogStore.Entry.of(
              new StoredLog(
                  tenant,
                  cluster,
                  namespace == null ? "" : namespace,
                  rec.pod() == null ? "" : rec.pod(),
                  Workloads.fromPod(rec.pod()),
                  rec.startTimeMillis(),
                  rec.method(),
                  rec.path(),
                  rec.authority(),
                  rec.responseCode(),
                  rec.responseFlags(),
                  rec.responseCodeDetails() == null ? "" : rec.responseCodeDetails(),
                  rec.durationMs(),
                  rec.bytesSent(),
                  rec.bytesReceived(),
                  rec.upstreamCluster().name(),
                  rec.requestId(),
                  rec.traceId(),
                  rec.direction().label(),
                  rec.raw())),
          tenant);
      stats().addBytes(tenant, rec.raw().length());
      stats().clusterClock(cluster).observe(rec.startTimeMillis() + Math.max(0, rec.durationMs()));
    }
    return Optional.empty();
  }

  @Override
  public boolean parallelAcrossPartitions() {
    return true;
  }

  @Override
  void store(List<AccessLogStore.Entry> rows, Map<String, Long> offsets) throws Exception {
    store.appendEntries(rows, offsets);
  }

  @Override
  Map<String, Long> loadOffsets() throws Exception {
    return store.offsets();
  }
}
