package io.meshlens.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WorkloadsTest {

  @Test
  void workloadsFromKubernetesPodNames() {
    // Deployments (names from the real Istio data and the simulator).
    assertThat(Workloads.fromPod("productpage-v1-6987489c74-xxxxx")).isEqualTo("productpage-v1");
    assertThat(Workloads.fromPod("istio-eastwestgateway-gd5ml525rl-mv6cx"))
        .isEqualTo("istio-eastwestgateway");
    assertThat(Workloads.fromPod("istiod-7d9c7bdd6-bcdfg")).isEqualTo("istiod");
    // Vowels never appear in generated parts: this is not a generated name.
    assertThat(Workloads.fromPod("istiod-7d9c7bdd6-abcde")).isEqualTo("istiod-7d9c7bdd6-abcde");
    // DaemonSet / Job, StatefulSet.
    assertThat(Workloads.fromPod("ztunnel-k8x2p")).isEqualTo("ztunnel");
    assertThat(Workloads.fromPod("kafka-2")).isEqualTo("kafka");
    // Anything else is its own workload; nothing is empty but an empty pod.
    assertThat(Workloads.fromPod("legacy")).isEqualTo("legacy");
    assertThat(Workloads.fromPod("cart-0a1b3")).isEqualTo("cart-0a1b3");
    assertThat(Workloads.fromPod("")).isEmpty();
    assertThat(Workloads.fromPod(null)).isEmpty();
  }
}
