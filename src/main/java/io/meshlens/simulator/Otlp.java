package io.meshlens.simulator;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OTLP building blocks shared by the simulator: interned attributes and the scopes of the simulated
 * Collector receivers.
 *
 * <p>Interning matters at benchmark scale: tens of thousands of Istio series share a few hundred
 * distinct label pairs, and protobuf messages are immutable, so one {@link KeyValue} instance can
 * sit in every series that uses it (and its serialized size is computed once).
 */
final class Otlp {

  static final String COLLECTOR_VERSION = "0.120.0";

  static final InstrumentationScope PROMETHEUS_SCOPE =
      InstrumentationScope.newBuilder()
          .setName("otelcol/prometheusreceiver")
          .setVersion(COLLECTOR_VERSION)
          .build();
  static final InstrumentationScope KUBELETSTATS_SCOPE =
      InstrumentationScope.newBuilder()
          .setName("otelcol/kubeletstatsreceiver")
          .setVersion(COLLECTOR_VERSION)
          .build();
  static final InstrumentationScope K8S_CLUSTER_SCOPE =
      InstrumentationScope.newBuilder()
          .setName("otelcol/k8sclusterreceiver")
          .setVersion(COLLECTOR_VERSION)
          .build();

  /** Envoy's tracer and access logger export an empty scope. */
  static final InstrumentationScope ENVOY_SCOPE = InstrumentationScope.getDefaultInstance();

  /** Envoy/Istio default buckets of {@code istio_request_duration_milliseconds}. */
  static final double[] DURATION_BOUNDS = {
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
    1800000, 3600000
  };

  /** Istio's buckets of {@code istio_request_bytes} and {@code istio_response_bytes}. */
  static final double[] BYTES_BOUNDS = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

  /** istiod's {@code pilot_proxy_convergence_time} buckets, in seconds. */
  static final double[] CONVERGENCE_BOUNDS = {0.1, 0.5, 1, 3, 5, 10, 20, 30};

  static final List<Double> DURATION_BOUNDS_LIST = boxed(DURATION_BOUNDS);
  static final List<Double> BYTES_BOUNDS_LIST = boxed(BYTES_BOUNDS);
  static final List<Double> CONVERGENCE_BOUNDS_LIST = boxed(CONVERGENCE_BOUNDS);

  private final Map<String, Map<String, KeyValue>> interned = new HashMap<>();

  /** The string attribute {@code key=value}, one instance per distinct pair. */
  KeyValue kv(String key, String value) {
    return interned
        .computeIfAbsent(key, k -> new HashMap<>())
        .computeIfAbsent(value, v -> stringKv(key, v));
  }

  static KeyValue stringKv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /** Attributes from alternating keys and values, in that order. */
  List<KeyValue> attrs(String... keysAndValues) {
    List<KeyValue> out = new ArrayList<>(keysAndValues.length / 2);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.add(kv(keysAndValues[i], keysAndValues[i + 1]));
    }
    return List.copyOf(out);
  }

  /** Attributes from alternating keys and values, sorted by key as Prometheus label sets are. */
  List<KeyValue> sortedAttrs(String... keysAndValues) {
    int n = keysAndValues.length / 2;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> keysAndValues[2 * a].compareTo(keysAndValues[2 * b]));
    List<KeyValue> out = new ArrayList<>(n);
    for (int i : order) {
      out.add(kv(keysAndValues[2 * i], keysAndValues[2 * i + 1]));
    }
    return List.copyOf(out);
  }

  Resource resource(String... keysAndValues) {
    return Resource.newBuilder().addAllAttributes(attrs(keysAndValues)).build();
  }

  /** Index of the explicit-bounds bucket holding {@code v} (Prometheus {@code le} semantics). */
  static int bucket(double[] bounds, double v) {
    int i = 0;
    while (i < bounds.length && v > bounds[i]) {
      i++;
    }
    return i;
  }

  private static List<Double> boxed(double[] a) {
    List<Double> out = new ArrayList<>(a.length);
    for (double d : a) {
      out.add(d);
    }
    return List.copyOf(out);
  }
}
