package io.meshlens.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttributeTextTest {

  private static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  private static AnyValue dbl(double d) {
    return AnyValue.newBuilder().setDoubleValue(d).build();
  }

  @Test
  void doublesReadLikeGoJsonNumbers() {
    assertThat(AttributeText.asString(dbl(637.704))).isEqualTo("637.704");
    assertThat(AttributeText.asString(dbl(3.0))).isEqualTo("3");
    assertThat(AttributeText.asString(dbl(-0.0))).isEqualTo("-0");
    assertThat(AttributeText.asString(dbl(1e21))).isEqualTo("1e+21");
    assertThat(AttributeText.asString(dbl(1.5e-7))).isEqualTo("1.5e-7");
    assertThat(AttributeText.asString(dbl(0.000001))).isEqualTo("0.000001");
    assertThat(AttributeText.asString(dbl(123456789012345678.0))).isEqualTo("123456789012345680");
  }

  @Test
  void valuesJsonCannotHoldReadAsTheCollectorRendersThem() {
    assertThat(AttributeText.asString(dbl(Double.NaN))).isEqualTo("json: unsupported value: NaN");
    assertThat(AttributeText.asString(dbl(Double.NEGATIVE_INFINITY)))
        .isEqualTo("json: unsupported value: -Inf");
    AnyValue arrayWithNaN =
        AnyValue.newBuilder()
            .setArrayValue(ArrayValue.newBuilder().addValues(dbl(1)).addValues(dbl(Double.NaN)))
            .build();
    assertThat(AttributeText.asString(arrayWithNaN)).isEmpty();
  }

  @Test
  void mapsAreJsonWithSortedKeysAndLastDuplicateWinning() {
    AnyValue map =
        AnyValue.newBuilder()
            .setKvlistValue(
                KeyValueList.newBuilder()
                    .addValues(KeyValue.newBuilder().setKey("b").setValue(str("<x>")))
                    .addValues(KeyValue.newBuilder().setKey("a").setValue(str("1")))
                    .addValues(KeyValue.newBuilder().setKey("a").setValue(str("2")))
                    .addValues(
                        KeyValue.newBuilder()
                            .setKey("c")
                            .setValue(AnyValue.newBuilder().setBytesValue(ByteString.EMPTY))))
            .build();
    assertThat(AttributeText.asString(map))
        .isEqualTo("{\"a\":\"2\",\"b\":\"\\u003cx\\u003e\",\"c\":null}");
  }

  @Test
  void attributeMapKeepsOrderAndFirstPositionOfARepeatedKey() {
    List<KeyValue> attrs =
        List.of(
            KeyValue.newBuilder().setKey("z").setValue(str("1")).build(),
            KeyValue.newBuilder()
                .setKey("a")
                .setValue(AnyValue.newBuilder().setIntValue(7))
                .build(),
            KeyValue.newBuilder().setKey("z").setValue(str("2")).build());
    assertThat(AttributeText.toMap(attrs))
        .containsExactly(java.util.Map.entry("z", "2"), java.util.Map.entry("a", "7"));
  }
}
