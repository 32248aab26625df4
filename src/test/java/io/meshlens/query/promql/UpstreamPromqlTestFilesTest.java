package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs Prometheus 2.42's own PromQL test scripts (src/test/resources/promql/testdata, see the
 * README there) against the engine: one dynamic test per {@code eval} command, each checked as an
 * instant query, a range query and with {@code @} modifiers, as Prometheus' {@code test.go} does.
 */
class UpstreamPromqlTestFilesTest {

  static final List<String> FILES =
      List.of(
          "aggregators.test",
          "at_modifier.test",
          "collision.test",
          "functions.test",
          "histograms.test",
          "literals.test",
          "operators.test",
          "selectors.test",
          "staleness.test",
          "subquery.test",
          "trig_functions.test");

  /** Cases not run, by "file:line" of the eval command, with the reason. */
  static final Map<String, String> SKIPPED = Map.of();

  /** The engine as Prometheus' test.go configures it: 10,000 samples, 1m subquery step. */
  static PromqlEngine engine() {
    return new PromqlEngine(
        EngineSettings.defaults()
            .withMaxSamples(10_000)
            .withTimeout(Duration.ofSeconds(100))
            .withDefaultSubqueryStep(Duration.ofMinutes(1)));
  }

  @TestFactory
  Stream<DynamicContainer> upstreamScripts() throws IOException {
    PromqlEngine engine = engine();
    List<DynamicContainer> containers = new ArrayList<>();
    for (String file : FILES) {
      List<DynamicTest> tests = new ArrayList<>();
      for (PromqlTestScript.Eval ev : PromqlTestScript.parse(file, read(file))) {
        String key = file + ":" + ev.line();
        tests.add(
            DynamicTest.dynamicTest(
                ev.name(),
                () -> {
                  String reason = SKIPPED.get(key);
                  Assumptions.assumeTrue(reason == null, () -> "skipped: " + reason);
                  assertThat(PromqlTestScript.run(engine, ev)).as(ev.name()).isNull();
                }));
      }
      containers.add(DynamicContainer.dynamicContainer(file, tests));
    }
    return containers.stream();
  }

  static String read(String file) throws IOException {
    try (InputStream in =
        UpstreamPromqlTestFilesTest.class.getResourceAsStream("/promql/testdata/" + file)) {
      if (in == null) {
        throw new IOException("missing test resource " + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
