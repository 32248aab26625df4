package io.meshlens.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything that shapes a simulation run: the seed that makes it reproducible, the size of the
 * mesh, the traffic rate and the failover episode, and how the output is encoded for Kafka.
 *
 * <p>Immutable; start from {@link #defaults()} and change fields with the {@code with*} methods,
 * e.g. {@code SimulatorSettings.defaults().withExtraTenants(200).withReplicasPerWorkload(3)}.
 *
 * @param seed seed of every random choice; the same seed and tick times give byte-identical output
 * @param replicasPerWorkload pods per application and gateway workload (istiod runs one pod)
 * @param extraTenants synthetic tenants {@code tenant-001}.. added to scale the mesh up, each with
 *     a namespace of the same name and four services
 * @param requestsPerSecond expected mesh-wide rate of HTTP/gRPC requests, each call counted once
 *     (as source reporters count them); actual counts vary (Poisson), and a failover episode lowers
 *     them a little because failed calls do not fan out
 * @param spanSampleRate fraction (0..1) of traces exported; a trace starts at a gateway or a
 *     workload calling on its own and holds every hop it causes
 * @param failoverStart time since the simulation start when fraud-check in east-1 starts failing
 * @param failoverEnd time since the simulation start when fraud-check in east-1 is healthy again
 * @param encoding how {@link SimulatorPublisher} encodes OTLP messages
 * @param topics Kafka topics {@link SimulatorPublisher} writes to
 * @param accessLogClusterHeader name of the Kafka header carrying the source cluster that the log
 *     forwarders add to access log messages (their lines do not name the cluster); empty for none
 * @param maxMessageBytes upper bound for one Kafka message value; larger requests are split
 */
public record SimulatorSettings(
    long seed,
    int replicasPerWorkload,
    int extraTenants,
    double requestsPerSecond,
    double spanSampleRate,
    Duration failoverStart,
    Duration failoverEnd,
    Encoding encoding,
    Topics topics,
    String accessLogClusterHeader,
    int maxMessageBytes) {

  /** Below the 1 MB default {@code max.request.size} of the Kafka producer, with room to spare. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 900_000;

  /** Tenant count above which per-root bookkeeping (16 bits) would overflow. */
  static final int MAX_EXTRA_TENANTS = 50_000;

  public SimulatorSettings {
    Objects.requireNonNull(failoverStart, "failoverStart");
    Objects.requireNonNull(failoverEnd, "failoverEnd");
    Objects.requireNonNull(encoding, "encoding");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(accessLogClusterHeader, "accessLogClusterHeader");
    if (replicasPerWorkload < 1) {
      throw new IllegalArgumentException(
          "replicasPerWorkload must be >= 1: " + replicasPerWorkload);
    }
    if (extraTenants < 0 || extraTenants > MAX_EXTRA_TENANTS) {
      throw new IllegalArgumentException(
          "extraTenants must be in 0.." + MAX_EXTRA_TENANTS + ": " + extraTenants);
    }
    if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
      throw new IllegalArgumentException("requestsPerSecond must be >= 0: " + requestsPerSecond);
    }
    if (!(spanSampleRate >= 0 && spanSampleRate <= 1)) {
      throw new IllegalArgumentException("spanSampleRate must be in 0..1: " + spanSampleRate);
    }
    if (failoverStart.isNegative() || failoverEnd.compareTo(failoverStart) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= failoverStart <= failoverEnd: " + failoverStart + ", " + failoverEnd);
    }
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 1024: " + maxMessageBytes);
    }
  }

  /**
   * Seed 42, 2 replicas, no extra tenants, 50 requests/s, 5% of traces, failover from 120 s to 300
   * s, OTLP protobuf, default topics, header {@code cluster} on access log messages, 900,000-byte
   * messages.
   */
  public static SimulatorSettings defaults() {
    return new SimulatorSettings(
        42L,
        2,
        0,
        50.0,
        0.05,
        Duration.ofSeconds(120),
        Duration.ofSeconds(300),
        Encoding.OTLP_PROTO,
        Topics.defaults(),
        "cluster",
        DEFAULT_MAX_MESSAGE_BYTES);
  }

  public SimulatorSettings withSeed(long seed) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  public SimulatorSettings withReplicasPerWorkload(int replicasPerWorkload) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  public SimulatorSettings withExtraTenants(int extraTenants) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  public SimulatorSettings withRequestsPerSecond(double requestsPerSecond) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  public SimulatorSettings withSpanSampleRate(double spanSampleRate) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  /** Both ends of the failover episode, as durations since the simulation start. */
  public SimulatorSettings withFailover(Duration failoverStart, Duration failoverEnd) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  public SimulatorSettings withFailoverStart(Duration failoverStart) {
    return withFailover(failoverStart, failoverEnd);
  }

  public SimulatorSettings withFailoverEnd(Duration failoverEnd) {
    return withFailover(failoverStart, failoverEnd);
  }

  public SimulatorSettings withEncoding(Encoding encoding) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  public SimulatorSettings withTopics(Topics topics) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  public SimulatorSettings withAccessLogClusterHeader(String accessLogClusterHeader) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }

  public SimulatorSettings withMaxMessageBytes(int maxMessageBytes) {
    return new SimulatorSettings(
        seed,
        replicasPerWorkload,
        extraTenants,
        requestsPerSecond,
        spanSampleRate,
        failoverStart,
        failoverEnd,
        encoding,
        topics,
        accessLogClusterHeader,
        maxMessageBytes);
  }
}
