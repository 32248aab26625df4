package io.meshlens.simulator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Messages and value bytes sent per Kafka topic, for one {@link SimulatorPublisher#publish} call or
 * cumulatively.
 *
 * @param byTopic counts per topic, in the order topics were first written
 * @param oversized messages that could not be split below the size limit (sent anyway)
 */
public record PublishStats(Map<String, TopicStats> byTopic, long oversized) {

  /** Counts for one topic. */
  public record TopicStats(long messages, long bytes) {
    TopicStats plus(long messages, long bytes) {
      return new TopicStats(this.messages + messages, this.bytes + bytes);
    }
  }

  public PublishStats {
    byTopic = Collections.unmodifiableMap(new LinkedHashMap<>(byTopic));
  }

  public static PublishStats empty() {
    return new PublishStats(Map.of(), 0);
  }

  public long messages() {
    return byTopic.values().stream().mapToLong(TopicStats::messages).sum();
  }

  public long bytes() {
    return byTopic.values().stream().mapToLong(TopicStats::bytes).sum();
  }

  public long messages(String topic) {
    TopicStats s = byTopic.get(topic);
    return s == null ? 0 : s.messages();
  }

  public long bytes(String topic) {
    TopicStats s = byTopic.get(topic);
    return s == null ? 0 : s.bytes();
  }

  /** The sum of two stats. */
  public PublishStats plus(PublishStats other) {
    Map<String, TopicStats> m = new LinkedHashMap<>(byTopic);
    other.byTopic.forEach((t, s) -> m.merge(t, s, (a, b) -> a.plus(b.messages(), b.bytes())));
    return new PublishStats(m, oversized + other.oversized);
  }
}
