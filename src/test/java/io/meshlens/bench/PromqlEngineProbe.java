package io.meshlens.bench;

import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The engine's share of a dashboard query of {@link PromqlLatencyBenchmark}: the queries named by
 * {@code queries} (default 1,2) in the variant numbered {@code variant} (0 instant, 1-3 the ranges)
 * through {@link PromqlEngine} over an in-memory {@link MetricStore} holding {@link
 * IstioBenchData}'s {@code series} for {@code hours} (no Quarkus, no HTTP). Prints the wall-clock
 * time of the first 15 runs in a fresh JVM ({@code RUN}: the JIT warm-up the benchmark's first
 * query meets) and the median CPU and wall-clock time of {@code runs} runs after 50 more ({@code
 * ENGINE}). Not part of the test suite; run after {@code ./mvnw -o -q -B test-compile}, e.g.
 *
 * <pre>
 * ./mvnw -o -q -B dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * flock /tmp/bench.lock java -Xmx4g -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) \
 *     -Dseries=100000 -Dhours=24 -Druns=1500 -Dqueries=1,2 -Dvariant=0 \
 *     io.meshlens.bench.PromqlEngineProbe
 * </pre>
 */
public final class PromqlEngineProbe {

  private PromqlEngineProbe() {}

  public static void main(String[] args) {
    int series = Integer.getInteger("series", 100_000);
    int hours = Integer.getInteger("hours", 24);
    int interval = 60;
    int scrapes = hours * 3600 / interval;
    long stepMs = interval * 1000L;
    long endMs = PromqlLatencyBenchmark.START_MS + (scrapes - 1) * stepMs;
    MetricStore store = new MetricStore();
    int[] ids = new int[series];
    for (int i = 0; i < series; i++) {
      ids[i] = store.seriesId(IstioBenchData.series(i));
    }
    for (int i = 0; i < series; i++) {
      for (int k = 0; k < scrapes; k++) {
        store.append(
            ids[i],
            PromqlLatencyBenchmark.START_MS + k * stepMs,
            IstioBenchData.value(i, k, interval));
      }
    }
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int runs = Integer.getInteger("runs", 200);
    PromqlLatencyBenchmark.Variant v =
        PromqlLatencyBenchmark.VARIANTS.get(Integer.getInteger("variant", 0));
    for (String q : System.getProperty("queries", "1,2").split(",")) {
      PromqlLatencyBenchmark.BenchQuery bq =
          PromqlLatencyBenchmark.QUERIES.get(Integer.parseInt(q) - 1);
      String promql =
          bq.promql()
              .replace(
                  "$W",
                  PromqlLatencyBenchmark.duration(PromqlLatencyBenchmark.rateInterval(v, stepMs)));
      double[] cpu = new double[runs];
      double[] wall = new double[runs];
      for (int i = 0; i < runs + 50; i++) {
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        if (v.instant()) {
          engine.instantQuery(store, Scope.everything(), promql, endMs);
        } else {
          long end = Math.floorDiv(endMs, v.stepMs()) * v.stepMs();
          engine.rangeQuery(store, Scope.everything(), promql, end - v.rangeMs(), end, v.stepMs());
        }
        long t1 = System.nanoTime();
        long c1 = mx.getCurrentThreadCpuTime();
        if (i < 15) {
          System.out.printf("RUN Q%s %s %d wall %.3f ms%n", q, v.name(), i, (t1 - t0) / 1e6);
        }
        if (i >= 50) {
          cpu[i - 50] = (c1 - c0) / 1e6;
          wall[i - 50] = (t1 - t0) / 1e6;
        }
      }
      Arrays.sort(cpu);
      Arrays.sort(wall);
      System.out.printf(
          "ENGINE Q%s %s cpu p50 %.3f ms wall p50 %.3f ms (%d runs, load average %.2f)%n",
          q,
          v.name(),
          cpu[runs / 2],
          wall[runs / 2],
          runs,
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }
}
