package io.meshlens.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter topic: a record Meshlens cannot ingest is copied there unchanged (key, value,
 * original headers) with headers saying why and where it came from, so nothing is lost and an
 * operator can inspect or replay it.
 *
 * <p>Headers: {@code meshlens.reason} (stable code), {@code meshlens.error} (message), {@code
 * meshlens.signal}, {@code meshlens.source.topic}, {@code meshlens.source.partition}, {@code
 * meshlens.source.offset}. Sends are acknowledged by all in-sync replicas before the consumer
 * commits past the original record.
 */
public final class DeadLetterQueue implements AutoCloseable {

  public static final String REASON = "meshlens.reason";
  public static final String ERROR = "meshlens.error";
  public static final String SIGNAL = "meshlens.signal";
  public static final String SOURCE_TOPIC = "meshlens.source.topic";
  public static final String SOURCE_PARTITION = "meshlens.source.partition";
  public static final String SOURCE_OFFSET = "meshlens.source.offset";

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;

  public DeadLetterQueue(String bootstrapServers, String topic) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "meshlens-deadletter");
    // A dead letter may be the oversized record itself.
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(64 * 1024 * 1024));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = topic;
  }

  public String topic() {
    return topic;
  }

  /** Sends asynchronously; {@link #flush()} waits for every send to be acknowledged. */
  public Future<RecordMetadata> send(
      String signal, ConsumerRecord<byte[], byte[]> source, Rejection why) {
    ProducerRecord<byte[], byte[]> r =
        new ProducerRecord<>(topic, null, source.timestamp(), source.key(), source.value());
    Headers h = r.headers();
    source.headers().forEach(h::add);
    h.add(REASON, bytes(why.reason()));
    h.add(ERROR, bytes(why.message()));
    h.add(SIGNAL, bytes(signal));
    h.add(SOURCE_TOPIC, bytes(source.topic()));
    h.add(SOURCE_PARTITION, bytes(Integer.toString(source.partition())));
    h.add(SOURCE_OFFSET, bytes(Long.toString(source.offset())));
    return producer.send(r);
  }

  /**
   * Waits until every dead letter sent so far is acknowledged.
   *
   * @throws IllegalStateException when one was not, so the consumer does not commit past it
   */
  public void await(Iterable<Future<RecordMetadata>> sends, Duration timeout) {
    producer.flush();
    for (Future<RecordMetadata> f : sends) {
      try {
        f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while dead-lettering", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("dead-letter topic " + topic + " not writable", e);
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
