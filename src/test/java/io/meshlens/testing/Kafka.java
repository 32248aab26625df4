package io.meshlens.testing;

import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Sends raw records to the test broker and waits for the broker's acknowledgement. */
public final class Kafka {

  private Kafka() {}

  public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // As Collectors often send: Meshlens must read compressed batches.
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  public static void send(String bootstrap, String topic, byte[]... values) {
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      for (byte[] v : values) {
        producer.send(new ProducerRecord<>(topic, v)).get(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("send to " + topic + " failed", e);
    }
  }

  /** Sends one record carrying one header, as a forwarder that names the cluster does. */
  public static void sendWithHeader(
      String bootstrap, String topic, String header, String value, byte[] record) {
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, record);
      r.headers().add(header, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      producer.send(r).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("send to " + topic + " failed", e);
    }
  }
}
