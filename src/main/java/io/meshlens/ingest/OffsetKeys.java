package io.meshlens.ingest;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** How stores key Kafka offsets: {@code "topic/partition"}. */
final class OffsetKeys {

  private OffsetKeys() {}

  static String key(TopicPartition tp) {
    return tp.topic() + "/" + tp.partition();
  }

  /** Stored offsets back as partitions (topic names may contain '/', partitions cannot). */
  static Map<TopicPartition, Long> parse(Map<String, Long> stored) {
    Map<TopicPartition, Long> out = new HashMap<>();
    stored.forEach(
        (k, v) -> {
          int slash = k.lastIndexOf('/');
          out.put(
              new TopicPartition(k.substring(0, slash), Integer.parseInt(k.substring(slash + 1))),
              v);
        });
    return out;
  }
}
