package io.meshlens.api.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TraceIdsTest {

  @Test
  void callerIdsBecomeThirtyTwoLowerCaseHexDigits() {
    assertThat(TraceIds.toStored("3BA55609C3CDE49649CD77D1F9DCD936"))
        .isEqualTo("3ba55609c3cde49649cd77d1f9dcd936");
    assertThat(TraceIds.toStored("49cd77d1f9dcd936")).isEqualTo("000000000000000049cd77d1f9dcd936");
  }

  @Test
  void jaegerPrintsSixtyFourBitIdsWithSixteenDigits() {
    assertThat(TraceIds.toJaeger("000000000000000049cd77d1f9dcd936")).isEqualTo("49cd77d1f9dcd936");
    assertThat(TraceIds.toJaeger("3ba55609c3cde49649cd77d1f9dcd936"))
        .isEqualTo("3ba55609c3cde49649cd77d1f9dcd936");
  }

  @Test
  void refusesEmptyTooLongAndNonHexIds() {
    assertThatThrownBy(() -> TraceIds.toStored("")).hasMessage("TraceID is empty");
    assertThatThrownBy(() -> TraceIds.toStored("1".repeat(33)))
        .hasMessage("TraceID cannot be longer than 32 hex characters: " + "1".repeat(33));
    assertThatThrownBy(() -> TraceIds.toStored("12g4"))
        .hasMessage("TraceID is not a hex string: 12g4");
  }
}
