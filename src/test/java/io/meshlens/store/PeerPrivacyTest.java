package io.meshlens.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import io.meshlens.tenancy.AttributedSeries;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a tenant sees of series that another tenant's proxy reported on an edge they share. */
class PeerPrivacyTest {

  private final MetricStore store =
      new MetricStore(PeerPrivacy.withKey("0123456789abcdef0123456789abcdef".getBytes()));

  private static final List<LabelMatcher> REQUESTS =
      List.of(LabelMatcher.equal("__name__", "istio_requests_total"));

  /** shop → payments, reported by payments' proxy (destination) and shop's (source). */
  PeerPrivacyTest() {
    for (String reporter : List.of("destination", "source")) {
      boolean dst = reporter.equals("destination");
      String owner = dst ? "payments" : "shop";
      Labels l =
          Labels.of(
              "__name__", "istio_requests_total",
              "reporter", reporter,
              "tenant", owner,
              "cluster", "east-1",
              "k8s_namespace_name", owner,
              "k8s_pod_name", dst ? "payments-api-v1-6987489c74-bcdfg" : "cart-v2-7d9c7bdd6-xkq2z",
              "source_workload", "cart-v2",
              "source_workload_namespace", "shop",
              "source_principal", "spiffe://cluster.local/ns/shop/sa/cart",
              "destination_workload", "payments-api-v1",
              "destination_workload_namespace", "payments",
              "destination_principal", "spiffe://cluster.local/ns/payments/sa/payments-api",
              "destination_service", "payments-api.payments.svc.cluster.local",
              "destination_version", "v1");
      int id = store.seriesId(new AttributedSeries(l, owner, "east-1", Set.of("shop", "payments")));
      store.append(id, 1_000, 7);
    }
  }

  private List<SeriesData> as(Set<String> tenants, List<LabelMatcher> m) {
    return store.select(Scope.tenants(tenants), m, 0, 2_000);
  }

  private static Labels reported(List<SeriesData> s, String reporter) {
    return s.stream()
        .map(SeriesData::labels)
        .filter(l -> reporter.equals(l.get("reporter")))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aPeerSeesTenantNamespaceServiceAndClusterButPseudonymsForTheRest() {
    Labels payments = reported(as(Set.of("shop"), REQUESTS), "destination");
    assertThat(payments.get("tenant")).isEqualTo("payments");
    assertThat(payments.get("destination_workload_namespace")).isEqualTo("payments");
    assertThat(payments.get("destination_service"))
        .isEqualTo("payments-api.payments.svc.cluster.local");
    assertThat(payments.get("cluster")).isEqualTo("east-1");
    for (String hidden :
        List.of(
            "destination_workload",
            "destination_principal",
            "destination_version",
            "k8s_pod_name")) {
      assertThat(payments.get(hidden)).as(hidden).startsWith("redacted-").hasSize(21);
    }
    // The caller's own side of the edge stays readable.
    assertThat(payments.get("source_workload")).isEqualTo("cart-v2");
    // Symmetric: payments sees shop's source-reported series with shop's side hidden.
    Labels shop = reported(as(Set.of("payments"), REQUESTS), "source");
    assertThat(shop.get("source_workload")).startsWith("redacted-");
    assertThat(shop.get("k8s_pod_name")).startsWith("redacted-");
    assertThat(shop.get("destination_workload")).isEqualTo("payments-api-v1");
    // Own series, a scope holding both tenants, and SREs: nothing rewritten.
    assertThat(reported(as(Set.of("payments"), REQUESTS), "destination").get("k8s_pod_name"))
        .isEqualTo("payments-api-v1-6987489c74-bcdfg");
    assertThat(
            reported(as(Set.of("shop", "payments"), REQUESTS), "destination")
                .get("destination_workload"))
        .isEqualTo("payments-api-v1");
    assertThat(
            reported(store.select(Scope.everything(), REQUESTS, 0, 2_000), "destination")
                .get("destination_workload"))
        .isEqualTo("payments-api-v1");
  }

  @Test
  void realValuesCannotBeProbedWithMatchersButPseudonymsMatch() {
    List<LabelMatcher> probe =
        List.of(
            LabelMatcher.equal("__name__", "istio_requests_total"),
            LabelMatcher.equal("reporter", "destination"),
            LabelMatcher.of("destination_workload", LabelMatcher.Type.REGEX, "payments-.*"));
    assertThat(as(Set.of("shop"), probe)).isEmpty();
    assertThat(as(Set.of("payments"), probe)).hasSize(1);
    String pseudonym =
        reported(as(Set.of("shop"), REQUESTS), "destination").get("destination_workload");
    assertThat(
            as(
                Set.of("shop"),
                List.of(
                    LabelMatcher.equal("__name__", "istio_requests_total"),
                    LabelMatcher.equal("destination_workload", pseudonym))))
        .hasSize(1);
    // Stable: the same value gets the same pseudonym in every read.
    assertThat(reported(as(Set.of("shop"), REQUESTS), "destination").get("destination_workload"))
        .isEqualTo(pseudonym);
  }

  @Test
  void seriesLabelsAndLabelValuesShowTheSameView() {
    Scope shop = Scope.tenants(Set.of("shop"));
    assertThat(store.labelValues(shop, "k8s_pod_name", List.of(), 0, Long.MAX_VALUE))
        .hasSize(2)
        .contains("cart-v2-7d9c7bdd6-xkq2z")
        .noneMatch(v -> v.startsWith("payments"));
    assertThat(store.labelValues(shop, "destination_workload", List.of(), 0, Long.MAX_VALUE))
        .contains("payments-api-v1") // as the source side (shop's own series) reports it
        .anyMatch(v -> v.startsWith("redacted-"));
    assertThat(store.series(shop, List.of(REQUESTS), 0, Long.MAX_VALUE))
        .filteredOn(l -> "destination".equals(l.get("reporter")))
        .allSatisfy(l -> assertThat(l.get("k8s_pod_name")).startsWith("redacted-"));
  }

  @Test
  void offShowsEverything() {
    MetricStore open = new MetricStore(PeerPrivacy.OFF);
    Labels l =
        Labels.of(
            "__name__", "m", "tenant", "payments", "reporter", "destination", "k8s_pod_name", "p1");
    open.append(
        open.seriesId(new AttributedSeries(l, "payments", "c", Set.of("shop", "payments"))), 1, 1);
    assertThat(
            open.select(
                Scope.tenants(Set.of("shop")), List.of(LabelMatcher.equal("__name__", "m")), 0, 2))
        .extracting(s -> s.labels().get("k8s_pod_name"))
        .containsExactly("p1");
  }
}
