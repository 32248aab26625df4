package io.meshlens.store.spans;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.ingest.spans.SimulatedMesh;
import io.meshlens.ingest.spans.SpanDecoder;
import io.meshlens.ingest.spans.SpanRecord;
import io.meshlens.testdata.RealData;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;

/**
 * The span attributes' JSON writer against Jackson's {@code ObjectMapper}, which wrote them before,
 * on real, simulated and random attributes; and the check that decides which text goes straight
 * into the JSON column against what DuckDB's {@code CAST(... AS JSON)} makes of it.
 */
class JsonStringsTest {

  private static final ObjectMapper JACKSON = new ObjectMapper();

  /** Characters that need care: controls, quotes, backslash, DEL, non-ASCII, surrogates. */
  private static final char[] TRICKY = {
    0, 1, '\b', '\t', '\n', 0x0B, '\f', '\r', 0x1F, ' ', '"', '\\', '/', 0x7F, 0x80, 0xE9, 0x2028,
    0x2029, 0xFEFF, 0xFFFF, 0xD83D, 0xDE00, 'a', 'Z', '{', '}', ':', ','
  };

  private static List<Map<String, String>> maps() {
    List<Map<String, String>> maps = new ArrayList<>();
    SpanDecoder decoder = new SpanDecoder();
    for (String file :
        List.of(
            "otlp-proto__examples_trace.json", "kiali__tracing_tracingtest_responseTrace.json")) {
      for (SpanRecord r : decoder.decode(RealData.bytes(file)).value()) {
        maps.add(r.attributes());
      }
    }
    SimulatedMesh mesh = SimulatedMesh.get();
    for (byte[] m : mesh.spanProto()) {
      for (SpanRecord r : decoder.decode(m).value()) {
        maps.add(r.attributes());
      }
    }
    maps.add(Map.of());
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      Map<String, String> m = new LinkedHashMap<>();
      int n = random.nextInt(4);
      for (int k = 0; k < n; k++) {
        m.put(randomString(random), randomString(random));
      }
      maps.add(m);
    }
    return maps;
  }

  private static String randomString(Random random) {
    int n = random.nextInt(12);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(
          switch (random.nextInt(3)) {
            case 0 -> TRICKY[random.nextInt(TRICKY.length)];
            case 1 -> (char) random.nextInt(0x80);
            default -> (char) random.nextInt(0x10000);
          });
    }
    return sb.toString();
  }

  @Test
  void writesWhatJacksonWrites() throws Exception {
    List<Map<String, String>> maps = maps();
    assertThat(maps).hasSizeGreaterThan(21_000);
    for (Map<String, String> m : maps) {
      String json = JsonStrings.write(m);
      assertThat(json).isEqualTo(JACKSON.writeValueAsString(m));
      assertThat(JsonStrings.isObject(json)).as(json).isTrue();
    }
  }

  @Test
  void refusesTextOtherThanAFlatObjectOfStrings() {
    for (String bad :
        List.of(
            "",
            "{",
            "}",
            "[]",
            "{\"a\":1}",
            "{\"a\":\"b\",}",
            "{\"a\":\"b\" }",
            "{ \"a\":\"b\"}",
            "{\"a\":\"b\"}x",
            "{\"a\" :\"b\"}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":\"b\",\"c\"}",
            "{\"a\":\"b\n\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12\"}",
            "{\"a\":\"\\u12G4\"}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\uDE00\"}",
            "{\"a\":\"b\\\"}",
            "{\"a\":{\"b\":\"c\"}}",
            "{\"a\":null}",
            "{a:\"b\"}")) {
      assertThat(JsonStrings.isObject(bad)).as(bad).isFalse();
    }
    assertThat(JsonStrings.isObject("{}")).isTrue();
    assertThat(JsonStrings.isObject("{\"a\":\"\\/\\u00e9\\u001F\"}")).isTrue();
  }

  /**
   * What the check accepts, DuckDB's cast to JSON keeps as it is, so that the Appender straight
   * into the JSON column stores what the staging way's cast stores.
   */
  @Test
  void acceptedTextIsWhatDuckDbsCastKeeps() throws Exception {
    List<String> texts = new ArrayList<>();
    for (Map<String, String> m : maps()) {
      texts.add(JsonStrings.write(m));
    }
    texts.add("{\"a\":\"\\/\\u00e9\\u001f\\u0041\"}");
    try (DuckDBConnection c =
            (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:", new Properties());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (i INTEGER, a VARCHAR)");
      try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "t")) {
        for (int i = 0; i < texts.size(); i++) {
          a.beginRow().append(i).append(texts.get(i)).endRow();
        }
        a.flush();
      }
      int rows = 0;
      try (ResultSet r =
          s.executeQuery("SELECT i, a, CAST(a AS JSON)::VARCHAR FROM t ORDER BY i")) {
        while (r.next()) {
          assertThat(r.getString(3)).isEqualTo(r.getString(2));
          rows++;
        }
      }
      assertThat(rows).isEqualTo(texts.size());
    }
  }
}
