package io.meshlens.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshlens.testing.InJvmKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: Debian's Chromium, headless, driven through chromedriver by
 * Selenium, against the running service with the simulator publishing a 3-cluster, 4-tenant mesh to
 * a real in-JVM Kafka broker. A tenant signs in, sees only its own services, opens the traffic
 * graph and clicks through an edge to its error access logs and to a trace (with the other tenant's
 * spans redacted); no other tenant's service names are anywhere on the pages. An SRE sees every
 * cluster and tenant and can narrow to one tenant. Screenshots of the main pages (1366x768) go to
 * {@code target/console-screenshots/}.
 *
 * <p>Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (Debian's {@code chromium}
 * and {@code chromium-driver}; {@code .ci/run} installs them).
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(WebConsoleBrowserTest.SimulatorOn.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebConsoleBrowserTest {

  /** Simulator on, exporting every 2 s, with the demo's tenants and tokens. */
  public static final class SimulatorOn implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshlens.tenants-file", "config/tenants.yaml",
          "meshlens.simulator.enabled", "true",
          "meshlens.simulator.interval", "2s",
          "meshlens.simulator.requests-per-second", "100",
          "meshlens.ingest.max-record-bytes", "8388608");
    }
  }

  static final Path SHOTS = Path.of("target", "console-screenshots");
  static final Duration WAIT = Duration.ofSeconds(45);

  /** shop's own services in the demo mesh. */
  static final Set<String> SHOP_SERVICES =
      Set.of("cart", "catalog", "checkout", "frontend", "shop-gateway");

  /** Services of payments, search, analytics and unassigned that shop neither owns nor calls. */
  static final List<String> FOREIGN_NAMES =
      List.of(
          "fraud-check",
          "card-gateway",
          "ledger",
          "payments-ledger",
          "indexer",
          "ranker",
          "warehouse",
          "reporting",
          "legacy-batch");

  static final Set<String> PAYMENTS_SERVICES =
      Set.of("payments-api", "fraud-check", "card-gateway", "ledger", "ledger-db");

  static WebDriver driver;
  static WebDriverWait wait;

  @TestHTTPResource("/console/")
  URL console;

  @BeforeAll
  static void startBrowser() throws IOException {
    File chromium = new File("/usr/bin/chromium");
    File chromedriver = new File("/usr/bin/chromedriver");
    assertThat(chromium.canExecute())
        .as("Debian's chromium (apt-get install -y chromium chromium-driver; .ci/run does it)")
        .isTrue();
    assertThat(chromedriver.canExecute()).as("Debian's chromium-driver").isTrue();
    Files.createDirectories(SHOTS);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1366,768");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(chromedriver).build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, WAIT);
  }

  @AfterAll
  static void stopBrowser() {
    if (driver != null) {
      driver.quit();
    }
  }

  @Test
  @Order(1)
  void unknownTokenIsRefusedOnTheSignInPage() {
    driver.get(console.toString());
    signIn("not-a-token");
    WebElement error =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-error")));
    assertThat(error.getText()).contains("not accepted");
    assertThat(js("return sessionStorage.getItem('meshlens.token')")).isNull();
  }

  @Test
  @Order(2)
  void tenantSeesOnlyItsServicesAndClicksThroughAnEdgeToLogsAndATrace() throws IOException {
    Edge errorEdge = awaitShopEdgeWithLoggedErrors();
    Edge tracedEdge = awaitTracedCheckoutToPaymentsEdge();

    driver.get(console.toString());
    signIn("demo-shop-token");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#golden-signals")));
    // The tenant picker offers nothing else to a one-tenant token.
    WebElement tenant = driver.findElement(By.id("tenant"));
    assertThat(tenant.isEnabled()).isFalse();
    assertThat(new Select(tenant).getOptions())
        .extracting(WebElement::getText)
        .containsExactly("shop");

    // First page load in the browser (Navigation Timing), reloaded with the token in the tab.
    driver.navigate().refresh();
    wait.until(d -> js("return window.__meshlensFirstPageMs") != null);
    recordFirstPageTiming();
    wait.until(
        ExpectedConditions.presenceOfElementLocated(By.cssSelector("#quota tr[data-tenant]")));
    assertThat(attributes("#quota tr[data-tenant], #telemetry tr[data-tenant]", "data-tenant"))
        .containsOnly("shop");
    shot("overview-tenant");
    assertNoForeignNames();

    // The traffic graph: own services solid, peers only as dashed service names.
    open("#/graph");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#traffic-graph .node")));
    assertThat(attributes("#traffic-graph .node:not(.peer)", "data-service"))
        .isNotEmpty()
        .allMatch(SHOP_SERVICES::contains);
    assertThat(attributes("#traffic-graph .node:not(.peer)", "data-service"))
        .contains("frontend", "checkout");
    shot("traffic-tenant");
    assertNoForeignNames();

    // An edge with failed calls: its metrics and its error access logs.
    clickEdge(errorEdge);
    WebElement panel = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("edge-panel")));
    assertThat(panel.findElement(By.id("edge-metrics")).getText()).contains("errors", "latency");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#edge-logs .log-line")));
    List<WebElement> lines = driver.findElements(By.cssSelector("#edge-logs .log-line"));
    assertThat(lines).isNotEmpty();
    // each line is a failed call: a 5xx code or Envoy response flags
    assertThat(lines)
        .allMatch(l -> !l.findElements(By.cssSelector(".code-5, .pill.bad")).isEmpty());
    shot("traffic-edge-logs");
    assertNoForeignNames();

    // The checkout -> payments-api edge: an example trace, shop's spans in full and payments'
    // spans redacted.
    clickEdge(tracedEdge);
    WebElement traceLink =
        wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#edge-traces tr.trace-link a")));
    String traceId = traceLink.findElement(By.xpath("./ancestor::tr")).getAttribute("data-trace");
    traceLink.click();
    wait.until(ExpectedConditions.urlContains("#/traces/" + traceId));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#waterfall .wf-row")));
    List<WebElement> rows = driver.findElements(By.cssSelector("#waterfall .wf-row"));
    assertThat(rows.size()).isGreaterThanOrEqualTo(3);
    assertThat(rows).extracting(WebElement::getText).anyMatch(t -> t.startsWith("checkout.shop"));
    List<WebElement> redacted = driver.findElements(By.cssSelector("#waterfall .wf-row.redacted"));
    assertThat(redacted).isNotEmpty();
    assertThat(redacted)
        .extracting(WebElement::getText)
        .allMatch(t -> t.contains("(redacted)"))
        .anyMatch(t -> t.startsWith("payments (redacted)"));
    assertThat(driver.findElement(By.id("redaction-note")).getText()).contains("redacted");
    redacted.get(0).click();
    assertThat(driver.findElement(By.id("span-detail")).getText()).contains("Redacted span");
    shot("trace-tenant");
    assertNoForeignNames();

    // Log search: only shop's own lines.
    open("#/logs");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#log-results")));
    open(
        "#/logs?q="
            + java.net.URLEncoder.encode(
                "{tenant=~\".+\"}", java.nio.charset.StandardCharsets.UTF_8));
    wait.until(
        ExpectedConditions.presenceOfElementLocated(By.cssSelector("#log-results .log-line")));
    assertThat(driver.findElement(By.id("logql")).getAttribute("value"))
        .isEqualTo("{tenant=~\".+\"}");
    shot("logs-tenant");
    assertNoForeignNames();

    // Trace search and the isolation audit, as the tenant sees them.
    open("#/traces?service=checkout.shop");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#trace-results")));
    assertThat(new Select(driver.findElement(By.id("trace-service"))).getOptions())
        .extracting(WebElement::getText)
        .allMatch(s -> s.endsWith(".shop"));
    assertNoForeignNames();
    open("#/isolation");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#isolation-summary")));
    shot("isolation-tenant");
    assertNoForeignNames();
    // The SRE-only page is not offered.
    assertThat(driver.findElements(By.id("nav-health"))).isEmpty();
  }

  @Test
  @Order(3)
  void sreSeesEveryClusterAndTenantAndCanNarrowToOne() throws IOException {
    awaitShopEdgeWithLoggedErrors();
    signIn("demo-sre-token");
    wait.until(
        ExpectedConditions.presenceOfElementLocated(By.cssSelector("#quota tr[data-tenant]")));
    assertThat(attributes("#quota tr[data-tenant]", "data-tenant"))
        .contains("shop", "payments", "search", "analytics");
    shot("overview-sre");

    open("#/graph");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#traffic-graph .node")));
    assertThat(attributes("#traffic-graph .cluster", "data-cluster"))
        .contains("east-1", "east-2", "west-1");
    assertThat(attributes("#traffic-graph .node", "data-service"))
        .contains("frontend", "payments-api", "fraud-check", "search-api", "collector");
    assertThat(driver.findElements(By.cssSelector("#traffic-graph .node.peer"))).isEmpty();
    shot("traffic-sre");

    open("#/health");
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#control-planes tr[data-cluster]")));
    assertThat(attributes("#control-planes tr[data-cluster]", "data-cluster"))
        .contains("east-1", "east-2", "west-1");
    shot("health-sre");

    open("#/isolation");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#isolation-summary")));
    shot("isolation-sre");

    // Narrowed to payments with the tenant picker (X-Scope-OrgID): payments' services are its
    // own, everyone else's are peers.
    open("#/graph");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#traffic-graph .node")));
    new Select(driver.findElement(By.id("tenant"))).selectByValue("payments");
    wait.until(
        d ->
            !d.findElements(By.cssSelector("#traffic-graph .node.peer")).isEmpty()
                && d.findElements(By.cssSelector(".spinner")).isEmpty());
    assertThat(attributes("#traffic-graph .node:not(.peer)", "data-service"))
        .isNotEmpty()
        .allMatch(PAYMENTS_SERVICES::contains);
    assertThat(js("return sessionStorage.getItem('meshlens.scope')")).isEqualTo("payments");
  }

  @Test
  @Order(4)
  void sessionEndpointTellsTheCallerWhoItIsAndWhichTenantsItMayPick() {
    JsonPath shop = session("demo-shop-token", null, 200);
    assertThat(shop.getString("data.subject")).isEqualTo("shop-team");
    assertThat(shop.getBoolean("data.sre")).isFalse();
    assertThat(shop.getList("data.tenants.name", String.class)).containsExactly("shop");
    JsonPath commerce = session("demo-commerce-token", null, 200);
    assertThat(commerce.getList("data.tenants.name", String.class))
        .containsExactly("payments", "shop");
    JsonPath sre = session("demo-sre-token", null, 200);
    assertThat(sre.getBoolean("data.sre")).isTrue();
    assertThat(sre.getList("data.tenants.name", String.class))
        .containsExactly("analytics", "payments", "platform", "search", "shop", "unassigned");
    // The header is checked as on every data endpoint; errors in the API's own format.
    JsonPath forbidden = session("demo-shop-token", "payments", 403);
    assertThat(forbidden.getString("status")).isEqualTo("error");
    assertThat(forbidden.getString("errorType")).isEqualTo("forbidden");
    assertThat(session(null, null, 401).getString("errorType")).isEqualTo("unauthorized");
    assertThat(session("not-a-token", null, 401).getString("errorType")).isEqualTo("unauthorized");
    // The bare root of the API port leads to the console.
    given()
        .redirects()
        .follow(false)
        .get("/")
        .then()
        .statusCode(302)
        .header("Location", org.hamcrest.Matchers.endsWith("/console/"));
  }

  private static JsonPath session(String token, String orgId, int status) {
    var req = given();
    if (token != null) {
      req = req.header("Authorization", "Bearer " + token);
    }
    if (orgId != null) {
      req = req.header("X-Scope-OrgID", orgId);
    }
    return req.get("/api/v1/session").then().statusCode(status).extract().jsonPath();
  }

  // --- helpers

  record Edge(String key, String label) {}

  /**
   * Signs in from a signed-out console: a token left in this tab's session by an earlier test would
   * otherwise skip the sign-in page, and whether the page has drawn its signed-in state yet is a
   * race.
   */
  private void signIn(String token) {
    driver.get(console.toString());
    ((JavascriptExecutor) driver).executeScript("window.sessionStorage.clear();");
    driver.get(console.toString());
    WebElement field = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    field.clear();
    field.sendKeys(token);
    driver.findElement(By.id("sign-in")).click();
  }

  private void open(String hash) {
    String base = console.toString();
    driver.get(base + hash);
  }

  private void clickEdge(Edge e) {
    open("#/graph");
    WebElement label =
        wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#traffic-graph .edge-label[data-edge='" + e.key() + "']")));
    label.click();
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#traffic-graph .edge-label.selected[data-edge='" + e.key() + "']")));
  }

  private Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  private List<String> attributes(String css, String attribute) {
    return driver.findElements(By.cssSelector(css)).stream()
        .map(el -> el.getAttribute(attribute))
        .collect(Collectors.toList());
  }

  private void assertNoForeignNames() {
    String page = driver.getPageSource();
    for (String name : FOREIGN_NAMES) {
      assertThat(page)
          .as("another tenant's name on %s", driver.getCurrentUrl())
          .doesNotContain(name);
    }
  }

  private void shot(String name) throws IOException {
    // Let fonts and the SVG settle, then the viewport as a laptop shows it.
    js("return document.fonts && document.fonts.ready");
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Files.write(SHOTS.resolve(name + ".png"), png);
  }

  @SuppressWarnings("unchecked")
  private void recordFirstPageTiming() throws IOException {
    Map<String, Object> nav =
        (Map<String, Object>) js("return performance.getEntriesByType('navigation')[0].toJSON()");
    Object firstPage = js("return window.__meshlensFirstPageMs");
    String line =
        String.format(
            "first page (overview, shop) rendered with data at %.0f ms after navigation start;"
                + " DOMContentLoaded %.0f ms, load %.0f ms, transfer %s bytes%n",
            ((Number) firstPage).doubleValue(),
            ((Number) nav.get("domContentLoadedEventEnd")).doubleValue(),
            ((Number) nav.get("loadEventEnd")).doubleValue(),
            nav.get("transferSize"));
    Files.writeString(SHOTS.resolve("first-page-timing.txt"), line);
    System.out.print("web console: " + line);
  }

  /** Waits until shop has an edge it calls from with failed calls in its access logs. */
  private static Edge awaitShopEdgeWithLoggedErrors() {
    AtomicReference<Edge> found = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofSeconds(3))
        .until(
            () -> {
              for (Map<String, Object> e : shopEdges()) {
                Map<String, Object> s = side(e, "source");
                Map<String, Object> d = side(e, "destination");
                if (!"shop".equals(s.get("tenant"))
                    || ((Number) e.get("errors")).doubleValue() < 1
                    || "unknown".equals(d.get("cluster"))) {
                  continue;
                }
                String q =
                    String.format(
                        "{cluster=\"%s\", namespace=\"%s\", direction=\"outbound\"} |= \"%s.%s.svc\""
                            + " | json | response_code >= 500 or response_flags != \"-\"",
                        s.get("cluster"), s.get("namespace"), d.get("service"), d.get("namespace"));
                long now = System.currentTimeMillis() / 1000;
                List<?> streams =
                    given()
                        .header("Authorization", "Bearer demo-shop-token")
                        .queryParam("query", q)
                        .queryParam("start", now - 900)
                        .queryParam("end", now)
                        .queryParam("limit", 5)
                        .get("/loki/api/v1/query_range")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("data.result");
                if (!streams.isEmpty()) {
                  found.set(new Edge(key(e), s.get("service") + "->" + d.get("service")));
                  return true;
                }
              }
              return false;
            });
    return found.get();
  }

  /** Waits until a sampled trace of shop's checkout calling payments' payments-api exists. */
  private static Edge awaitTracedCheckoutToPaymentsEdge() {
    AtomicReference<Edge> found = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofSeconds(3))
        .until(
            () -> {
              Optional<Map<String, Object>> edge =
                  shopEdges().stream()
                      .filter(
                          e ->
                              "checkout".equals(side(e, "source").get("service"))
                                  && "payments-api".equals(side(e, "destination").get("service")))
                      .findFirst();
              if (edge.isEmpty()) {
                return false;
              }
              List<String> ops =
                  given()
                      .header("Authorization", "Bearer demo-shop-token")
                      .get("/api/services/checkout.shop/operations")
                      .then()
                      .statusCode(200)
                      .extract()
                      .jsonPath()
                      .getList("data", String.class);
              Optional<String> op =
                  ops.stream().filter(o -> o.startsWith("payments-api.payments.svc")).findFirst();
              if (op.isEmpty()) {
                return false;
              }
              long nowUs = System.currentTimeMillis() * 1000;
              List<?> traces =
                  given()
                      .header("Authorization", "Bearer demo-shop-token")
                      .queryParam("service", "checkout.shop")
                      .queryParam("operation", op.get())
                      .queryParam("start", nowUs - 900_000_000L)
                      .queryParam("end", nowUs)
                      .queryParam("limit", 1)
                      .get("/api/traces")
                      .then()
                      .statusCode(200)
                      .extract()
                      .jsonPath()
                      .getList("data");
              if (traces.isEmpty()) {
                return false;
              }
              found.set(new Edge(key(edge.get()), "checkout->payments-api"));
              return true;
            });
    return found.get();
  }

  private static List<Map<String, Object>> shopEdges() {
    long now = System.currentTimeMillis() / 1000;
    JsonPath p =
        given()
            .header("Authorization", "Bearer demo-shop-token")
            .queryParam("start", now - 900)
            .queryParam("end", now)
            .get("/api/v1/views/traffic")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    return p.getList("data.edges");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> side(Map<String, Object> edge, String name) {
    return (Map<String, Object>) edge.get(name);
  }

  /** The console's edge key (graph.js edgeKey). */
  private static String key(Map<String, Object> e) {
    Map<String, Object> s = side(e, "source");
    Map<String, Object> d = side(e, "destination");
    return String.join(
        "|",
        (String) s.get("cluster"),
        (String) s.get("namespace"),
        (String) s.get("service"),
        (String) d.get("cluster"),
        (String) d.get("namespace"),
        (String) d.get("service"),
        (String) e.get("protocol"));
  }
}
