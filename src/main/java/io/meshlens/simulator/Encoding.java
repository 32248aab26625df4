package io.meshlens.simulator;

/**
 * The value encodings of the OpenTelemetry Collector {@code kafka} exporter that the simulator can
 * reproduce.
 *
 * <p>{@link #OTLP_PROTO} is the exporter's default: one message is the protobuf serialization of
 * one Export*ServiceRequest. {@link #OTLP_JSON} is the OTLP/JSON form the Collector writes (hex
 * trace and span ids, integer enums, 64-bit integers as strings), see {@link OtlpJson}.
 */
public enum Encoding {
  OTLP_PROTO,
  OTLP_JSON
}
