package io.meshlens.api.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.api.jaeger.JaegerJson.KeyValue;
import io.meshlens.api.jaeger.JaegerJson.Operation;
import io.meshlens.api.jaeger.JaegerJson.Process;
import io.meshlens.api.jaeger.JaegerJson.Reference;
import io.meshlens.api.jaeger.JaegerJson.Response;
import io.meshlens.api.jaeger.JaegerJson.Span;
import io.meshlens.api.jaeger.JaegerJson.Trace;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exact JSON Jaeger's query service writes, field for field. */
class JaegerJsonTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void traceAnswerHasJaegersFieldsInJaegersOrder() throws Exception {
    Trace t =
        new Trace(
            "3ba55609c3cde49649cd77d1f9dcd936",
            List.of(
                new Span(
                    "3ba55609c3cde49649cd77d1f9dcd936",
                    "84756b1dab0856fa",
                    "GET /productpage",
                    List.of(
                        Reference.childOf("3ba55609c3cde49649cd77d1f9dcd936", "49cd77d1f9dcd936")),
                    1_701_779_876_571_000L,
                    11_439L,
                    List.of(KeyValue.string("http.method", "GET"), KeyValue.bool("error", true)),
                    List.of(),
                    "p1",
                    null)),
            Map.of("p1", new Process("productpage.bookinfo", List.of())),
            null);
    assertThat(JSON.writeValueAsString(Response.of(List.of(t))))
        .isEqualTo(
            "{\"data\":[{\"traceID\":\"3ba55609c3cde49649cd77d1f9dcd936\",\"spans\":[{"
                + "\"traceID\":\"3ba55609c3cde49649cd77d1f9dcd936\",\"spanID\":\"84756b1dab0856fa\","
                + "\"operationName\":\"GET /productpage\",\"references\":[{\"refType\":\"CHILD_OF\","
                + "\"traceID\":\"3ba55609c3cde49649cd77d1f9dcd936\",\"spanID\":\"49cd77d1f9dcd936\"}],"
                + "\"startTime\":1701779876571000,\"duration\":11439,\"tags\":["
                + "{\"key\":\"http.method\",\"type\":\"string\",\"value\":\"GET\"},"
                + "{\"key\":\"error\",\"type\":\"bool\",\"value\":true}],\"logs\":[],"
                + "\"processID\":\"p1\",\"warnings\":null}],\"processes\":{\"p1\":{"
                + "\"serviceName\":\"productpage.bookinfo\",\"tags\":[]}},\"warnings\":null}],"
                + "\"total\":1,\"limit\":0,\"offset\":0,\"errors\":null}");
  }

  @Test
  void servicesAndOperationsAnswers() throws Exception {
    assertThat(
            JSON.writeValueAsString(Response.of(List.of("details.bookinfo", "ratings.bookinfo"))))
        .isEqualTo(
            "{\"data\":[\"details.bookinfo\",\"ratings.bookinfo\"],\"total\":2,\"limit\":0,"
                + "\"offset\":0,\"errors\":null}");
    assertThat(JSON.writeValueAsString(Response.of(List.of(new Operation("GET /", "")))))
        .isEqualTo(
            "{\"data\":[{\"name\":\"GET /\",\"spanKind\":\"\"}],\"total\":1,\"limit\":0,"
                + "\"offset\":0,\"errors\":null}");
  }

  @Test
  void errorAnswersAsJaegersHandleErrorWritesThem() throws Exception {
    assertThat(JSON.writeValueAsString(Response.error(404, "trace not found")))
        .isEqualTo(
            "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,"
                + "\"errors\":[{\"code\":404,\"msg\":\"trace not found\"}]}");
  }

  @Test
  void aTraceMissingFromAByIdSearchIsAnErrorWithItsIdAndNoCode() throws Exception {
    assertThat(
            JSON.writeValueAsString(
                Response.of(
                    List.of(),
                    List.of(new JaegerJson.Error(null, "trace not found", "49cd77d1f9dcd936")))))
        .isEqualTo(
            "{\"data\":[],\"total\":0,\"limit\":0,\"offset\":0,"
                + "\"errors\":[{\"msg\":\"trace not found\",\"traceID\":\"49cd77d1f9dcd936\"}]}");
  }
}
