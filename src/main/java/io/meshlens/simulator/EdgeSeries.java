package io.meshlens.simulator;

import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * Cumulative state of the Istio edge metric series one proxy exposes, aggregated per label set
 * (never per request), as Envoy's stats do.
 */
final class EdgeSeries {

  private EdgeSeries() {}

  /**
   * Identity of a series within one proxy.
   *
   * @param source reporter: true for {@code source}, false for {@code destination}
   * @param peerWorkload workload id of the other side, -1 when unknown
   * @param service destination service id
   * @param code response code (0 for TCP)
   * @param grpcStatus {@code grpc_response_status} ("" for plain HTTP and TCP)
   * @param flags {@code response_flags}
   * @param policy {@code connection_security_policy}
   */
  record Key(
      boolean source,
      int peerWorkload,
      int service,
      int code,
      String grpcStatus,
      String flags,
      String policy) {}

  /** istio_requests_total and the three request histograms of one label set. */
  static final class Http {
    final List<KeyValue> attributes;
    long count;
    final long[] durationBuckets = new long[Otlp.DURATION_BOUNDS.length + 1];
    double durationSum;
    final long[] requestBytesBuckets = new long[Otlp.BYTES_BOUNDS.length + 1];
    double requestBytesSum;
    final long[] responseBytesBuckets = new long[Otlp.BYTES_BOUNDS.length + 1];
    double responseBytesSum;

    Http(List<KeyValue> attributes) {
      this.attributes = attributes;
    }

    /** One request; the duration is whole milliseconds, as Envoy records it. */
    void record(long durationMs, long requestBytes, long responseBytes) {
      count++;
      durationBuckets[Otlp.bucket(Otlp.DURATION_BOUNDS, durationMs)]++;
      durationSum += durationMs;
      requestBytesBuckets[Otlp.bucket(Otlp.BYTES_BOUNDS, requestBytes)]++;
      requestBytesSum += requestBytes;
      responseBytesBuckets[Otlp.bucket(Otlp.BYTES_BOUNDS, responseBytes)]++;
      responseBytesSum += responseBytes;
    }
  }

  /** The four istio_tcp_* counters of one label set. */
  static final class Tcp {
    final List<KeyValue> attributes;
    long sentBytes;
    long receivedBytes;
    long opened;
    long closed;

    /** Requests carried, for gateways that multiplex requests over long-lived connections. */
    long carried;

    Tcp(List<KeyValue> attributes) {
      this.attributes = attributes;
    }
  }
}
