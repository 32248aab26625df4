package io.meshlens.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpstreamClusterTest {

  @Test
  void outboundClusterNamesTheDestinationServiceNamespaceAndPort() {
    assertThat(UpstreamCluster.parse("outbound|9080||reviews.default.svc.cluster.local"))
        .isEqualTo(
            new UpstreamCluster(
                "outbound|9080||reviews.default.svc.cluster.local",
                Direction.OUTBOUND,
                9080,
                "",
                "reviews.default.svc.cluster.local",
                "reviews",
                "default"));
  }

  @Test
  void outboundSubsetIsTheThirdPart() {
    UpstreamCluster c =
        UpstreamCluster.parse("outbound|9080|v2|reviews.bookinfo.svc.cluster.local");
    assertThat(c.subset()).isEqualTo("v2");
    assertThat(c.service()).isEqualTo("reviews");
    assertThat(c.namespace()).isEqualTo("bookinfo");
  }

  @Test
  void inboundClusterOfIstio110AndLaterHasOnlyThePort() {
    assertThat(UpstreamCluster.parse("inbound|9080||"))
        .isEqualTo(new UpstreamCluster("inbound|9080||", Direction.INBOUND, 9080, "", "", "", ""));
  }

  @Test
  void olderInboundClusterKeepsItsHostButNotThePortNameAsSubset() {
    UpstreamCluster c =
        UpstreamCluster.parse("inbound|9080|http|reviews.default.svc.cluster.local");
    assertThat(c.direction()).isEqualTo(Direction.INBOUND);
    assertThat(c.subset()).isEmpty();
    assertThat(c.service()).isEqualTo("reviews");
    assertThat(c.namespace()).isEqualTo("default");
  }

  @Test
  void waypointInboundVipClusterIsInboundToTheService() {
    UpstreamCluster c =
        UpstreamCluster.parse("inbound-vip|9080|http|details.bookinfo.svc.cluster.local");
    assertThat(c)
        .isEqualTo(
            new UpstreamCluster(
                "inbound-vip|9080|http|details.bookinfo.svc.cluster.local",
                Direction.INBOUND,
                9080,
                "",
                "details.bookinfo.svc.cluster.local",
                "details",
                "bookinfo"));
    assertThat(UpstreamCluster.parse("inbound-vip|80|http/v1|web.shop.svc.cluster.local;").subset())
        .isEqualTo("v1");
  }

  @Test
  void trailingSemicolonIsIgnoredButKeptInTheName() {
    UpstreamCluster c =
        UpstreamCluster.parse("inbound-vip|8080|http|handson.default.svc.cluster.local;");
    assertThat(c.name()).isEqualTo("inbound-vip|8080|http|handson.default.svc.cluster.local;");
    assertThat(c.namespace()).isEqualTo("default");
    assertThat(c.port()).isEqualTo(8080);
  }

  @Test
  void serviceEntryHostIsTheServiceWithoutNamespace() {
    UpstreamCluster c = UpstreamCluster.parse("outbound|443||api.example.com");
    assertThat(c.service()).isEqualTo("api.example.com");
    assertThat(c.namespace()).isEmpty();
    assertThat(c.port()).isEqualTo(443);
  }

  @Test
  void passthroughAndBlackHoleClustersCarryOnlyADirection() {
    assertThat(UpstreamCluster.parse("PassthroughCluster").direction())
        .isEqualTo(Direction.OUTBOUND);
    assertThat(UpstreamCluster.parse("BlackHoleCluster").direction()).isEqualTo(Direction.OUTBOUND);
    assertThat(UpstreamCluster.parse("InboundPassthroughClusterIpv4").direction())
        .isEqualTo(Direction.INBOUND);
    assertThat(UpstreamCluster.parse("connect_originate").direction()).isEqualTo(Direction.UNKNOWN);
  }

  @Test
  void absentClusterIsNone() {
    assertThat(UpstreamCluster.parse("-")).isSameAs(UpstreamCluster.NONE);
    assertThat(UpstreamCluster.parse("")).isSameAs(UpstreamCluster.NONE);
    assertThat(UpstreamCluster.parse(null)).isSameAs(UpstreamCluster.NONE);
  }

  @Test
  void badPortReadsAsZero() {
    assertThat(UpstreamCluster.parse("outbound|http||reviews.default.svc.cluster.local").port())
        .isZero();
    assertThat(UpstreamCluster.parse("outbound|99999||x.y.svc.cluster.local").port()).isZero();
  }
}
