package io.meshlens.ingest.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class TimestampsTest {

  private static long parse(String s) {
    return Timestamps.parseMillis(s, 0, s.length());
  }

  @Test
  void envoyStartTimeAndKubectlNanosecondsAndZtunnelMicroseconds() {
    assertThat(parse("2021-08-29T10:19:39.660Z"))
        .isEqualTo(Instant.parse("2021-08-29T10:19:39.660Z").toEpochMilli());
    assertThat(parse("2025-01-30T12:10:13.682034460Z"))
        .isEqualTo(Instant.parse("2025-01-30T12:10:13.682Z").toEpochMilli());
    assertThat(parse("2024-04-12T10:17:44.080629Z"))
        .isEqualTo(Instant.parse("2024-04-12T10:17:44.080Z").toEpochMilli());
    assertThat(parse("2024-02-29T23:59:59Z"))
        .isEqualTo(Instant.parse("2024-02-29T23:59:59Z").toEpochMilli());
  }

  @Test
  void offsetsAndMissingZone() {
    assertThat(parse("2021-08-29T12:19:39.6+02:00"))
        .isEqualTo(OffsetDateTime.parse("2021-08-29T12:19:39.6+02:00").toInstant().toEpochMilli());
    assertThat(parse("2021-08-29T05:19:39-0500"))
        .isEqualTo(Instant.parse("2021-08-29T10:19:39Z").toEpochMilli());
    assertThat(parse("2021-08-29 10:19:39.660"))
        .isEqualTo(Instant.parse("2021-08-29T10:19:39.660Z").toEpochMilli());
    assertThat(parse("1969-12-31T23:59:59.999Z")).isEqualTo(-1);
  }

  @Test
  void notTimestamps() {
    assertThat(parse("2021-02-29T00:00:00Z")).isEqualTo(Timestamps.INVALID);
    assertThat(parse("2021-08-29T24:00:00Z")).isEqualTo(Timestamps.INVALID);
    assertThat(parse("2021-08-29T10:19:39.Z")).isEqualTo(Timestamps.INVALID);
    assertThat(parse("2021-08-29T10:19:39Zjunk")).isEqualTo(Timestamps.INVALID);
    assertThat(parse("yesterday")).isEqualTo(Timestamps.INVALID);
  }
}
