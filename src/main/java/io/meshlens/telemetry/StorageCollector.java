package io.meshlens.telemetry;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The stores' own health on /metrics: {@code meshlens_store_disk_bytes{signal}}, {@code
 * meshlens_metric_store_checkpoints_total}, {@code
 * meshlens_metric_store_checkpoint_failures_total}, {@code
 * meshlens_metric_store_evicted_chunks_total}, {@code meshlens_retention_runs_total}, {@code
 * meshlens_retention_failures_total}.
 */
final class StorageCollector implements MultiCollector {

  /** What the collector reads; each a live counter. */
  record Sources(
      Map<String, Path> directoriesBySignal,
      LongSupplier checkpoints,
      LongSupplier checkpointFailures,
      LongSupplier evictedChunks,
      LongSupplier diskChunkReads,
      LongSupplier retentionRuns,
      LongSupplier retentionFailures) {}

  private final Sources sources;

  StorageCollector(Sources sources) {
    this.sources = sources;
  }

  @Override
  public MetricSnapshots collect() {
    GaugeSnapshot.Builder disk =
        GaugeSnapshot.builder()
            .name("meshlens_store_disk_bytes")
            .help("Bytes the store of each signal occupies on disk.");
    sources
        .directoriesBySignal()
        .forEach(
            (signal, dir) ->
                disk.dataPoint(
                    GaugeDataPointSnapshot.builder()
                        .value(sizeOf(dir))
                        .labels(Labels.of("signal", signal))
                        .build()));
    return MetricSnapshots.of(
        disk.build(),
        counter(
            "meshlens_metric_store_checkpoints",
            "Checkpoints of the metric store (new data and its Kafka offsets, one transaction).",
            sources.checkpoints().getAsLong()),
        counter(
            "meshlens_metric_store_checkpoint_failures",
            "Metric store checkpoints that failed; the data stays in memory and is retried.",
            sources.checkpointFailures().getAsLong()),
        counter(
            "meshlens_metric_store_evicted_chunks",
            "Sealed metric chunks that left the heap because they are on disk.",
            sources.evictedChunks().getAsLong()),
        counter(
            "meshlens_metric_store_disk_chunk_reads",
            "Metric chunks reads fetched from disk, older than what the heap holds.",
            sources.diskChunkReads().getAsLong()),
        counter(
            "meshlens_retention_runs",
            "Retention passes completed.",
            sources.retentionRuns().getAsLong()),
        counter(
            "meshlens_retention_failures",
            "Retention passes that failed.",
            sources.retentionFailures().getAsLong()));
  }

  private static long sizeOf(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(StorageCollector::size).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0; // removed while walking
    }
  }

  private static CounterSnapshot counter(String name, String help, long value) {
    return CounterSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(CounterDataPointSnapshot.builder().value(value).build())
        .build();
  }
}
