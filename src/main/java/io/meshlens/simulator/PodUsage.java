package io.meshlens.simulator;

/**
 * Resource usage last emitted for one pod, as the kubelet would report it: the pod totals and the
 * istio-proxy container's share. Pod totals are exactly the sum of the container values emitted.
 *
 * @param cpuCores pod CPU usage in cores (all containers)
 * @param proxyCpuCores CPU usage of the istio-proxy container (0 for pods without a proxy)
 * @param memoryWorkingSetBytes pod memory working set (all containers)
 * @param proxyMemoryWorkingSetBytes memory working set of the istio-proxy container
 */
public record PodUsage(
    String cluster,
    String namespace,
    String pod,
    String tenant,
    double cpuCores,
    double proxyCpuCores,
    long memoryWorkingSetBytes,
    long proxyMemoryWorkingSetBytes) {

  /** Pod CPU without the sidecar: what the application containers used. */
  public double cpuCoresWithoutProxy() {
    return cpuCores - proxyCpuCores;
  }

  /** Pod memory without the sidecar. */
  public long memoryWorkingSetBytesWithoutProxy() {
    return memoryWorkingSetBytes - proxyMemoryWorkingSetBytes;
  }
}
