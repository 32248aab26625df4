package io.meshlens.api.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GoDurationTest {

  @Test
  void readsTheDurationsGrafanaUsersTypeInMicroseconds() {
    assertThat(GoDuration.parseMicros("1.2s")).isEqualTo(1_200_000L);
    assertThat(GoDuration.parseMicros("100ms")).isEqualTo(100_000L);
    assertThat(GoDuration.parseMicros("1h30m")).isEqualTo(5_400_000_000L);
    assertThat(GoDuration.parseMicros("2m3.5s")).isEqualTo(123_500_000L);
    assertThat(GoDuration.parseMicros("250us")).isEqualTo(250L);
    assertThat(GoDuration.parseMicros(".5s")).isEqualTo(500_000L);
    assertThat(GoDuration.parseMicros("1.s")).isEqualTo(1_000_000L);
    assertThat(GoDuration.parseMicros("0")).isZero();
    assertThat(GoDuration.parseMicros("+2ms")).isEqualTo(2_000L);
  }

  @Test
  void acceptsBothMicroSignsAsGoDoes() {
    assertThat(GoDuration.parseMicros("7\u00b5s")).isEqualTo(7L);
    assertThat(GoDuration.parseMicros("7\u03bcs")).isEqualTo(7L);
  }

  @Test
  void truncatesBelowAMicrosecondAndKeepsTheSign() {
    assertThat(GoDuration.parseNanos("1500ns")).isEqualTo(1_500L);
    assertThat(GoDuration.parseMicros("1500ns")).isEqualTo(1L);
    assertThat(GoDuration.parseMicros("1.9us")).isEqualTo(1L);
    assertThat(GoDuration.parseMicros("-1s")).isEqualTo(-1_000_000L);
  }

  @Test
  void refusesWhatGoRefusesWithGosMessages() {
    assertThatThrownBy(() -> GoDuration.parseMicros("")).hasMessage("time: invalid duration \"\"");
    assertThatThrownBy(() -> GoDuration.parseMicros("abc"))
        .hasMessage("time: invalid duration \"abc\"");
    assertThatThrownBy(() -> GoDuration.parseMicros("-"))
        .hasMessage("time: invalid duration \"-\"");
    assertThatThrownBy(() -> GoDuration.parseMicros(".s"))
        .hasMessage("time: invalid duration \".s\"");
    assertThatThrownBy(() -> GoDuration.parseMicros("100"))
        .hasMessage("time: missing unit in duration \"100\"");
    assertThatThrownBy(() -> GoDuration.parseMicros("1s2"))
        .hasMessage("time: missing unit in duration \"1s2\"");
    assertThatThrownBy(() -> GoDuration.parseMicros("5sec"))
        .hasMessage("time: unknown unit \"sec\" in duration \"5sec\"");
    assertThatThrownBy(() -> GoDuration.parseMicros("1d"))
        .hasMessage("time: unknown unit \"d\" in duration \"1d\"");
    assertThatThrownBy(() -> GoDuration.parseMicros("3000000h"))
        .hasMessage("time: invalid duration \"3000000h\"");
  }
}
