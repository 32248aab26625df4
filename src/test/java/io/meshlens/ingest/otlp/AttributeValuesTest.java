package io.meshlens.ingest.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import org.junit.jupiter.api.Test;

/** Expected texts are what pcommon.Value.AsString() returns in the OpenTelemetry Collector. */
class AttributeValuesTest {

  static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  static AnyValue integer(long v) {
    return AnyValue.newBuilder().setIntValue(v).build();
  }

  static AnyValue dbl(double v) {
    return AnyValue.newBuilder().setDoubleValue(v).build();
  }

  static AnyValue bool(boolean v) {
    return AnyValue.newBuilder().setBoolValue(v).build();
  }

  static AnyValue array(AnyValue... values) {
    ArrayValue.Builder a = ArrayValue.newBuilder();
    for (AnyValue v : values) {
      a.addValues(v);
    }
    return AnyValue.newBuilder().setArrayValue(a).build();
  }

  static AnyValue kvlist(Object... keysAndValues) {
    KeyValueList.Builder l = KeyValueList.newBuilder();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      l.addValues(
          KeyValue.newBuilder()
              .setKey((String) keysAndValues[i])
              .setValue((AnyValue) keysAndValues[i + 1]));
    }
    return AnyValue.newBuilder().setKvlistValue(l).build();
  }

  @Test
  void scalars() {
    assertThat(AttributeValues.asString(str("productpage"))).isEqualTo("productpage");
    assertThat(AttributeValues.asString(str(""))).isEmpty();
    assertThat(AttributeValues.asString(integer(42))).isEqualTo("42");
    assertThat(AttributeValues.asString(integer(-9_223_372_036_854_775_808L)))
        .isEqualTo("-9223372036854775808");
    assertThat(AttributeValues.asString(dbl(1.5))).isEqualTo("1.5");
    assertThat(AttributeValues.asString(dbl(3.0))).isEqualTo("3");
    assertThat(AttributeValues.asString(dbl(1e21))).isEqualTo("1e+21");
    assertThat(AttributeValues.asString(dbl(1e-7))).isEqualTo("1e-7");
    assertThat(AttributeValues.asString(bool(true))).isEqualTo("true");
    assertThat(AttributeValues.asString(bool(false))).isEqualTo("false");
    assertThat(AttributeValues.asString(AnyValue.getDefaultInstance())).isEmpty();
  }

  @Test
  void nonFiniteDoublesGiveGoJsonErrorText() {
    assertThat(AttributeValues.asString(dbl(Double.NaN))).isEqualTo("json: unsupported value: NaN");
    assertThat(AttributeValues.asString(dbl(Double.POSITIVE_INFINITY)))
        .isEqualTo("json: unsupported value: +Inf");
    assertThat(AttributeValues.asString(dbl(Double.NEGATIVE_INFINITY)))
        .isEqualTo("json: unsupported value: -Inf");
  }

  @Test
  void bytesAreBase64() {
    AnyValue bytes =
        AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {1, 2, 3})).build();
    assertThat(AttributeValues.asString(bytes)).isEqualTo("AQID");
  }

  @Test
  void arraysAndMapsAreGoJson() {
    assertThat(AttributeValues.asString(array(str("a"), integer(1), bool(true), dbl(2.5))))
        .isEqualTo("[\"a\",1,true,2.5]");
    assertThat(AttributeValues.asString(array())).isEqualTo("[]");
    assertThat(AttributeValues.asString(array(AnyValue.getDefaultInstance(), dbl(1e21))))
        .isEqualTo("[null,1e+21]");
    assertThat(AttributeValues.asString(kvlist("b", integer(1), "a", str("x"), "B", bool(false))))
        .isEqualTo("{\"B\":false,\"a\":\"x\",\"b\":1}");
    assertThat(AttributeValues.asString(kvlist("k", array(str("v"), kvlist("z", str("1"))))))
        .isEqualTo("{\"k\":[\"v\",{\"z\":\"1\"}]}");
    assertThat(AttributeValues.asString(kvlist("dup", integer(1), "dup", integer(2))))
        .isEqualTo("{\"dup\":2}");
  }

  @Test
  void jsonStringsAreEscapedLikeGo() {
    assertThat(AttributeValues.asString(array(str("<a href=\"x\">&\\\n\t\u0001\u2028é</a>"))))
        .isEqualTo(
            "[\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\\\\\n\\t\\u0001\\u2028é\\u003c/a\\u003e\"]");
  }

  @Test
  void aNonFiniteNumberInsideJsonEmptiesTheWholeValue() {
    assertThat(AttributeValues.asString(array(str("a"), dbl(Double.NaN)))).isEmpty();
  }

  @Test
  void emptyBytesInsideJsonAreNull() {
    AnyValue empty = AnyValue.newBuilder().setBytesValue(ByteString.EMPTY).build();
    assertThat(AttributeValues.asString(array(empty))).isEqualTo("[null]");
    assertThat(AttributeValues.asString(empty)).isEmpty();
  }
}
