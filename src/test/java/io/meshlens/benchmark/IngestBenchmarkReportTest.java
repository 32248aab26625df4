package io.meshlens.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.benchmark.IngestBenchmark.Parts;
import io.meshlens.benchmark.IngestBenchmark.Result;
import io.meshlens.benchmark.IngestBenchmark.Signal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A run of some signals rewrites their rows and keeps the other signals' rows of the report. */
class IngestBenchmarkReportTest {

  private static final String PERF_HEADER =
      "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,"
          + " rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

  private static Result result(Signal signal, long items, String perfLine) {
    return new Result(
        signal,
        1000,
        2_000_000,
        items,
        items,
        2.0,
        1.5,
        100.0,
        500_000_000,
        "1.00 at start, 2.00 at end",
        PERF_HEADER + "\n" + perfLine);
  }

  @Test
  void aRunOfOneSignalKeepsTheOthers() {
    String all =
        IngestBenchmark.report(
            20,
            200,
            3,
            2490,
            List.of(
                result(Signal.METRICS, 111, "m1  (bench_otlp_metrics)"),
                result(Signal.SPANS, 222, "s1  (bench_otlp_spans)"),
                result(Signal.LOGS, 333, "l1  (bench_access_logs)\nl2  (bench_otlp_logs)")),
            "");
    Map<String, Parts> before = IngestBenchmark.previousParts(all);
    assertThat(before).containsOnlyKeys("metrics", "spans", "logs");
    assertThat(before.get("logs").perf())
        .isEqualTo(PERF_HEADER + "\nl1  (bench_access_logs)\nl2  (bench_otlp_logs)");
    assertThat(all).doesNotContain("kept from an earlier run");

    String logsOnly =
        IngestBenchmark.report(
            20, 200, 3, 2490, List.of(result(Signal.LOGS, 444, "l3  (bench_access_logs)")), all);
    Map<String, Parts> after = IngestBenchmark.previousParts(logsOnly);
    assertThat(after).containsOnlyKeys("metrics", "spans", "logs");
    assertThat(after.get("metrics")).isEqualTo(before.get("metrics"));
    assertThat(after.get("spans")).isEqualTo(before.get("spans"));
    assertThat(after.get("logs").row()).contains("| 444 access log records |");
    assertThat(after.get("logs").perf()).isEqualTo(PERF_HEADER + "\nl3  (bench_access_logs)");
    assertThat(logsOnly)
        .contains("kept from an earlier run (its own date, load and code): metrics, spans");
    // Rows stay in signal order, whichever ran.
    assertThat(logsOnly.indexOf("| metrics |")).isLessThan(logsOnly.indexOf("| spans |"));
    assertThat(logsOnly.indexOf("| spans |")).isLessThan(logsOnly.indexOf("| logs |"));

    // Re-running the kept signals afterwards replaces them and drops the note.
    String again =
        IngestBenchmark.report(
            20,
            200,
            3,
            2490,
            List.of(
                result(Signal.METRICS, 555, "m2  (bench_otlp_metrics)"),
                result(Signal.SPANS, 666, "s2  (bench_otlp_spans)")),
            logsOnly);
    assertThat(IngestBenchmark.previousParts(again).get("logs")).isEqualTo(after.get("logs"));
    assertThat(again)
        .contains("| 555 OTLP data points |")
        .contains("kept from an earlier run (its own date, load and code): logs");
  }
}
