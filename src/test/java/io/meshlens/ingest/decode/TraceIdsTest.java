package io.meshlens.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class TraceIdsTest {

  @Test
  void hexAndBase64TextGiveTheSameBytes() {
    ByteString fromHex = TraceIds.parse("3BA55609C3CDE49649CD77D1F9DCD936");
    ByteString fromBase64 = TraceIds.parse("O6VWCcPN5JZJzXfR+dzZNg==");
    assertThat(fromHex).isEqualTo(fromBase64);
    assertThat(TraceIds.hex(fromHex)).isEqualTo("3ba55609c3cde49649cd77d1f9dcd936");
    assertThat(TraceIds.validTraceId(fromHex)).isTrue();
  }

  @Test
  void textThatIsNeitherIsNull() {
    assertThat(TraceIds.parse("zz!")).isNull();
    assertThat(TraceIds.parse("")).isEqualTo(ByteString.EMPTY);
  }

  @Test
  void nonAsciiDigitsAreNotHex() {
    assertThat(TraceIds.isHex("\u0661".repeat(16), 16)).isFalse();
    assertThat(TraceIds.isHex("00f067aa0ba902b7", 16)).isTrue();
  }
}
