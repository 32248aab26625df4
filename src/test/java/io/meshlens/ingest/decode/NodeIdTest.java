package io.meshlens.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NodeIdTest {

  @Test
  void sidecarNodeIdGivesPodAndNamespace() {
    assertThat(NodeId.parse("sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local"))
        .isEqualTo(new NodeId("sidecar", "10.0.0.1", "pod", "ns"));
    assertThat(
            NodeId.parse(
                "sidecar~10.244.0.25~productpage-v1-6f89b6c557-sg2bc.bookinfo~bookinfo.svc.cluster.local"))
        .isEqualTo(
            new NodeId("sidecar", "10.244.0.25", "productpage-v1-6f89b6c557-sg2bc", "bookinfo"));
  }

  @Test
  void gatewayAndWaypointNodeIdsToo() {
    assertThat(
            NodeId.parse(
                "router~10.244.0.14~istio-ingressgateway-79788cd94-wgmsp.istio-system~istio-system.svc.cluster.local"))
        .isEqualTo(
            new NodeId(
                "router", "10.244.0.14", "istio-ingressgateway-79788cd94-wgmsp", "istio-system"));
    assertThat(
            NodeId.parse(
                "waypoint~10.244.0.28~waypoint-5b7c754ccb-55jwk.bookinfo~bookinfo.svc.cluster.local"))
        .isEqualTo(new NodeId("waypoint", "10.244.0.28", "waypoint-5b7c754ccb-55jwk", "bookinfo"));
  }

  @Test
  void otherShapesAreNone() {
    assertThat(NodeId.parse("not-a-node-id")).isSameAs(NodeId.NONE);
    assertThat(NodeId.parse("")).isSameAs(NodeId.NONE);
    assertThat(NodeId.parse(null)).isSameAs(NodeId.NONE);
  }

  @Test
  void emptyDomainFallsBackToTheIdSuffix() {
    assertThat(NodeId.parse("sidecar~10.0.0.1~pod-a.team-x~"))
        .isEqualTo(new NodeId("sidecar", "10.0.0.1", "pod-a", "team-x"));
  }
}
