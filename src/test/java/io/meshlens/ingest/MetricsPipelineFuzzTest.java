package io.meshlens.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.OtlpJson;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.TenantDirectory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Throws random, truncated and bit-flipped versions of real simulator messages (protobuf and
 * OTLP/JSON) at the metrics ingest path: nothing may escape it, and every record must be accounted
 * for as ingested or refused with a reason.
 */
class MetricsPipelineFuzzTest {

  private final MetricStore store = new MetricStore();
  private final IngestStats stats = new IngestStats("metrics");
  private final TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
  private final MetricsPipeline pipeline =
      new MetricsPipeline(
          new OtlpMetricsTranslator(TranslatorSettings.defaults()),
          () -> tenants,
          store,
          stats,
          MetricsPipeline.Encoding.AUTO,
          1_000_000);

  private static List<byte[]> seeds() {
    MeshSimulator sim =
        new MeshSimulator(SimulatorSettings.defaults(), Instant.ofEpochSecond(1_700_000_000));
    List<ExportMetricsServiceRequest> requests =
        sim.tick(Instant.ofEpochSecond(1_700_000_015)).metrics();
    List<byte[]> out = new ArrayList<>();
    for (ExportMetricsServiceRequest r : requests.subList(0, Math.min(4, requests.size()))) {
      out.add(r.toByteArray());
      out.add(OtlpJson.print(r).getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void mutatedRecordsNeverEscapeAndAreAllAccountedFor() {
    Random rnd = new Random(7);
    List<byte[]> seeds = seeds();
    int total = 0;
    int ingested = 0;
    int refused = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] seed = seeds.get(rnd.nextInt(seeds.size()));
      byte[] input =
          switch (i % 4) {
            case 0 -> Arrays.copyOf(seed, rnd.nextInt(seed.length)); // truncated
            case 1 -> flip(seed, rnd, 1 + rnd.nextInt(8)); // corrupted
            case 2 -> random(rnd, rnd.nextInt(2048)); // noise
            default -> splice(seed, seeds.get(rnd.nextInt(seeds.size())), rnd);
          };
      total++;
      Optional<Rejection> r = pipeline.accept("otlp_metrics", input, null);
      if (r.isPresent()) {
        refused++;
        assertThat(r.get().reason())
            .isIn(
                Rejection.DECODE_ERROR,
                Rejection.EMPTY,
                Rejection.UNKNOWN_ENCODING,
                Rejection.OVERSIZED,
                Rejection.INTERNAL_ERROR);
        assertThat(r.get().message()).isNotBlank();
      } else {
        ingested++;
      }
    }
    assertThat(stats.records()).isEqualTo(total);
    assertThat(stats.rejectedRecords().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(refused);
    assertThat(stats.rejectedRecords()).doesNotContainKey(Rejection.INTERNAL_ERROR);
    assertThat(ingested + refused).isEqualTo(total);
    // Truncated protobuf often still parses (a prefix of fields): some records do get in.
    assertThat(ingested).isPositive();
    assertThat(refused).isPositive();
  }

  @Test
  void intactSeedsAreIngestedAndOnlyDuplicatesAreRefusedOnReplay() {
    List<byte[]> seeds = seeds();
    for (byte[] s : seeds) {
      assertThat(pipeline.accept("otlp_metrics", s, null)).isEmpty();
    }
    long stored = stats.samples();
    assertThat(stored).isPositive();
    // The JSON twin of each protobuf seed carries the same points: all absorbed as duplicates.
    assertThat(stats.duplicateSamples()).isEqualTo(stored);
    for (byte[] s : seeds) {
      pipeline.accept("otlp_metrics", s, null);
    }
    assertThat(stats.samples()).isEqualTo(stored);
    assertThat(stats.rejectedRecords()).isEqualTo(Map.of());
  }

  private static byte[] flip(byte[] in, Random rnd, int n) {
    byte[] out = in.clone();
    for (int i = 0; i < n && out.length > 0; i++) {
      out[rnd.nextInt(out.length)] ^= (byte) (1 << rnd.nextInt(8));
    }
    return out;
  }

  private static byte[] random(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  /** The head of one message followed by the tail of another. */
  private static byte[] splice(byte[] a, byte[] b, Random rnd) {
    int cut = rnd.nextInt(a.length);
    int from = b.length / 2;
    byte[] out = Arrays.copyOf(a, cut + (b.length - from));
    System.arraycopy(b, from, out, cut, b.length - from);
    return out;
  }

  @Test
  void protobufWhoseSecondByteIsABraceIsNotMistakenForJson() {
    // 0x0A 0x7B: field 1 with length 123 looks like "\n{" to a naive JSON sniffer.
    byte[] message = null;
    for (int pad = 0; pad < 200 && message == null; pad++) {
      byte[] candidate =
          io.meshlens.testing.OtlpMetrics.counter(
                  "east-1", "shop", "p".repeat(1 + pad), "sniff_me", 1, 1_700_000_000_000L)
              .toByteArray();
      if (candidate[0] == 0x0A && candidate[1] == '{') {
        message = candidate;
      }
    }
    assertThat(message).isNotNull();
    assertThat(pipeline.accept("otlp_metrics", message, null)).isEmpty();
    assertThat(stats.samples()).isEqualTo(1);
  }
}
