package io.meshlens.bench;

import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.testing.InJvmKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Where a small query's time goes: the dashboard queries of {@link PromqlLatencyBenchmark} named by
 * {@code probe.queries} (default 1,9; and {@code vector(1)}) timed through the service's HTTP API
 * and through {@link PromqlEngine} directly in the same JVM (wall-clock and the calling thread's
 * CPU time), Meshlens only, so the difference is the per-request cost (HTTP, access control, audit,
 * JSON, the client). Prints {@code PROBE} lines; not part of the test suite (its name does not end
 * in Test). Run under the shared benchmark lock, e.g.
 *
 * <pre>
 * flock /tmp/bench.lock ./mvnw -o -B test -Dtest=PromqlHttpProbe \
 *     -Dsurefire.failIfNoSpecifiedTests=false -DargLine=-Xmx6g \
 *     -Dseries=100000 -Dhours=6 -Dprobe.queries=1,2 -Dprobe.runs=30
 * </pre>
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(PromqlLatencyBenchmark.QuietService.class)
public class PromqlHttpProbe {
  @Inject MetricStore store;

  @TestHTTPResource("/")
  URL url;

  @Test
  void probe() throws Exception {
    int series = Integer.getInteger("series", 100_000);
    int hours = Integer.getInteger("hours", 6);
    int interval = 60;
    int scrapes = hours * 3600 / interval;
    long stepMs = interval * 1000L;
    long endMs = PromqlLatencyBenchmark.START_MS + (scrapes - 1) * stepMs;
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
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = url.toString().replaceAll("/$", "");
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    String[] qs = System.getProperty("probe.queries", "1,9").split(",");
    String trivial = "vector(1)";
    for (String name : new String[] {"trivial"}) {
      for (PromqlLatencyBenchmark.Variant v : PromqlLatencyBenchmark.VARIANTS) {
        run(http, base, engine, mx, name, trivial, v, endMs, stepMs);
      }
    }
    for (String q : qs) {
      PromqlLatencyBenchmark.BenchQuery bq =
          PromqlLatencyBenchmark.QUERIES.get(Integer.parseInt(q) - 1);
      for (PromqlLatencyBenchmark.Variant v : PromqlLatencyBenchmark.VARIANTS) {
        String promql =
            bq.promql()
                .replace(
                    "$W",
                    PromqlLatencyBenchmark.duration(
                        PromqlLatencyBenchmark.rateInterval(v, stepMs)));
        run(http, base, engine, mx, "Q" + q, promql, v, endMs, stepMs);
      }
    }
  }

  private void run(
      HttpClient http,
      String base,
      PromqlEngine engine,
      ThreadMXBean mx,
      String name,
      String promql,
      PromqlLatencyBenchmark.Variant v,
      long endMs,
      long stepMs)
      throws Exception {
    int n = Integer.getInteger("probe.runs", 30);
    PromqlLatencyBenchmark.Request r = PromqlLatencyBenchmark.request(promql, v, endMs);
    double[] httpMs = new double[n];
    double[] directMs = new double[n];
    double[] directCpu = new double[n];
    int bytes = 0;
    for (int i = 0; i < n + 5; i++) {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(base + r.path()))
              .header("Authorization", "Bearer demo-sre-token")
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(r.form()))
              .build();
      long t0 = System.nanoTime();
      HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
      long t1 = System.nanoTime();
      if (resp.statusCode() != 200) {
        throw new IllegalStateException(new String(resp.body(), StandardCharsets.UTF_8));
      }
      bytes = resp.body().length;
      long c0 = mx.getCurrentThreadCpuTime();
      long t2 = System.nanoTime();
      if (v.instant()) {
        engine.instantQuery(store, Scope.everything(), promql, r.endMs());
      } else {
        engine.rangeQuery(
            store, Scope.everything(), promql, r.endMs() - v.rangeMs(), r.endMs(), v.stepMs());
      }
      long t3 = System.nanoTime();
      long c1 = mx.getCurrentThreadCpuTime();
      if (i >= 5) {
        httpMs[i - 5] = (t1 - t0) / 1e6;
        directMs[i - 5] = (t3 - t2) / 1e6;
        directCpu[i - 5] = (c1 - c0) / 1e6;
      }
    }
    System.out.printf(
        "PROBE %-8s %-12s http p50 %8.2f ms  engine p50 %8.2f ms (cpu %8.2f)  bytes %d%n",
        name, v.name(), med(httpMs), med(directMs), med(directCpu), bytes);
  }

  private static double med(double[] a) {
    double[] c = a.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }
}
