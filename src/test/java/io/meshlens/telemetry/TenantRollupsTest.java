package io.meshlens.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.AttributedSeries;
import io.meshlens.tenancy.TenantDirectory;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link TenantRollups} on an in-memory store, without Quarkus. */
class TenantRollupsTest {

  private static final TenantDirectory TENANTS =
      TenantDirectory.load(Path.of("src/test/resources/tenants-test.yaml"));
  private static final long T0 = 1_700_000_000_000L;

  private final MetricStore store = new MetricStore();

  private TenantRollups rollups(int maxClusters, int maxSeries) {
    return new TenantRollups(
        new PromqlEngine(EngineSettings.defaults()),
        store,
        () -> TENANTS,
        store::seriesCountOf,
        maxClusters,
        maxSeries);
  }

  /** A destination-reported istio_requests_total series of {@code dstNs} in {@code cluster}. */
  private int served(String tenant, String dstNs, String cluster, String srcNs, String code) {
    Labels l =
        Labels.of(
            "__name__", "istio_requests_total",
            "cluster", cluster,
            "tenant", tenant,
            "reporter", "destination",
            "source_workload_namespace", srcNs,
            "source_cluster", cluster,
            "destination_service_namespace", dstNs,
            "destination_service_name", dstNs + "-api",
            "destination_cluster", cluster,
            "response_code", code,
            "connection_security_policy", "mutual_tls");
    return store.seriesId(new AttributedSeries(l, tenant, cluster, Set.of(tenant)));
  }

  private static double counter(
      TenantRollups.Snapshot s, String tenant, String cluster, TenantRollups.Counter c) {
    double[] v = s.counters().get(new TenantRollups.Key(tenant, cluster));
    return v == null ? Double.NaN : v[c.ordinal()];
  }

  /** Rollups whose first (baseline) run saw an empty store. */
  private TenantRollups started(int maxClusters, int maxSeries) {
    TenantRollups r = rollups(maxClusters, maxSeries);
    assertThat(r.compute(T0 - 1_000).counters()).isEmpty();
    return r;
  }

  @Test
  void whatTheStoreHeldAtStartIsTheBaselineAndOnlyGrowthAfterItCounts() {
    int ok = served("payments", "payments", "east-1", "shop", "200");
    store.append(ok, T0, 1_000_000);
    TenantRollups r = rollups(100, 20_000);
    TenantRollups.Snapshot s = r.compute(T0 + 1_000);
    assertThat(counter(s, "payments", "east-1", TenantRollups.Counter.REQUESTS)).isNaN();
    store.append(ok, T0 + 2_000, 1_000_007);
    s = r.compute(T0 + 3_000);
    assertThat(counter(s, "payments", "east-1", TenantRollups.Counter.REQUESTS)).isEqualTo(7);
  }

  @Test
  void countersAddEachSeriesGrowthAndCountARestartedOrNewSeriesWhole() {
    TenantRollups r = started(100, 20_000);
    int ok = served("payments", "payments", "east-1", "shop", "200");
    store.append(ok, T0, 10);
    TenantRollups.Snapshot s = r.compute(T0 + 1_000);
    assertThat(counter(s, "payments", "east-1", TenantRollups.Counter.REQUESTS)).isEqualTo(10);

    store.append(ok, T0 + 2_000, 15);
    s = r.compute(T0 + 3_000);
    assertThat(counter(s, "payments", "east-1", TenantRollups.Counter.REQUESTS)).isEqualTo(15);

    // The pod restarted: its counter starts again from 3, all of which is new.
    store.append(ok, T0 + 4_000, 3);
    int failed = served("payments", "payments", "east-1", "shop", "503");
    store.append(failed, T0 + 4_000, 4);
    s = r.compute(T0 + 5_000);
    assertThat(counter(s, "payments", "east-1", TenantRollups.Counter.REQUESTS)).isEqualTo(22);
    assertThat(counter(s, "payments", "east-1", TenantRollups.Counter.ERRORS)).isEqualTo(4);

    // Nothing new: nothing added, nothing lost.
    s = r.compute(T0 + 6_000);
    assertThat(counter(s, "payments", "east-1", TenantRollups.Counter.REQUESTS)).isEqualTo(22);
  }

  @Test
  void clustersPastTheLimitAreFoldedIntoOther() {
    TenantRollups r = started(2, 20_000);
    for (String cluster : new String[] {"east-1", "east-2", "west-1"}) {
      store.append(served("shop", "shop", cluster, "shop", "200"), T0, 1);
    }
    TenantRollups.Snapshot s = r.compute(T0 + 1_000);
    // Which two keep their names depends on which the store returned first.
    assertThat(s.counters().keySet())
        .extracting(TenantRollups.Key::cluster)
        .hasSize(3)
        .contains(TenantRollups.OTHER_CLUSTER)
        .filteredOn(c -> !c.equals(TenantRollups.OTHER_CLUSTER))
        .isSubsetOf("east-1", "east-2", "west-1");
  }

  @Test
  void labelSetsPastMaxSeriesAreLeftOutAndCounted() {
    TenantRollups r = started(100, 2);
    store.append(served("analytics", "analytics", "west-1", "analytics", "200"), T0, 1);
    store.append(served("payments", "payments", "east-1", "payments", "200"), T0, 1);
    store.append(served("shop", "shop", "east-1", "shop", "200"), T0, 1);
    TenantRollups.Snapshot s = r.compute(T0 + 1_000);
    assertThat(s.counters().keySet())
        .containsExactly(
            new TenantRollups.Key("analytics", "west-1"),
            new TenantRollups.Key("payments", "east-1"));
    assertThat(s.droppedSeries()).isEqualTo(1);
  }

  @Test
  void callsFromATenantThatIsNoAllowedPeerAreViolationsButPeersAndPlatformAreNot() {
    TenantRollups r = started(100, 20_000);
    store.append(served("search", "search", "east-2", "analytics", "200"), T0, 7); // no peer
    store.append(served("search", "search", "east-2", "shop", "200"), T0, 5); // allowed peer
    store.append(served("search", "search", "east-2", "istio-system", "200"), T0, 3); // platform
    TenantRollups.Snapshot s = r.compute(T0 + 1_000);
    assertThat(counter(s, "search", "east-2", TenantRollups.Counter.REQUESTS)).isEqualTo(15);
    assertThat(counter(s, "search", "east-2", TenantRollups.Counter.ISOLATION_VIOLATIONS))
        .isEqualTo(7);
  }

  @Test
  void serverErrorsAre5xxAndGrpcServerFailures() {
    assertThat(TenantRollups.isServerError("503", "")).isTrue();
    assertThat(TenantRollups.isServerError("200", "14")).isTrue();
    assertThat(TenantRollups.isServerError("200", "0")).isFalse();
    assertThat(TenantRollups.isServerError("404", "")).isFalse();
    assertThat(TenantRollups.isServerError("200", "5")).isFalse(); // NOT_FOUND: the caller's
  }

  @Test
  void istioMillisecondBucketsMapOntoTheSecondBounds() {
    assertThat(TenantRollups.bucketIndex("5")).isZero();
    assertThat(TenantRollups.bucketIndex("1000")).isEqualTo(7);
    assertThat(TenantRollups.bucketIndex("60000")).isEqualTo(12);
    assertThat(TenantRollups.bucketIndex("0.5")).isEqualTo(-1);
    assertThat(TenantRollups.bucketIndex("+Inf")).isEqualTo(-1);
  }
}
