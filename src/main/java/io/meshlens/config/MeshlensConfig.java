package io.meshlens.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every {@code meshlens.*} setting. Kafka itself is addressed by {@code kafka.bootstrap.servers}
 * (env {@code KAFKA_BOOTSTRAP_SERVERS}); without it Meshlens starts its own broker.
 */
@ConfigMapping(prefix = "meshlens")
public interface MeshlensConfig {

  /** Directory for everything Meshlens stores (the embedded broker's log included). */
  @WithDefault("data")
  String dataDir();

  /** The tenants file (YAML): namespaces per tenant, platform namespaces, allowed peers. */
  @WithDefault("config/tenants.yaml")
  String tenantsFile();

  /** How often the tenants file is checked for changes; a bad new file keeps the old one. */
  @WithDefault("10s")
  Duration tenantsReloadInterval();

  /** The tokens file (YAML): SHA-256 hashes of bearer tokens with subject, tenants, roles. */
  @WithDefault("config/tokens.yaml")
  String tokensFile();

  Topics topics();

  Ingest ingest();

  Storage storage();

  Broker broker();

  Simulator simulator();

  Demo demo();

  Privacy privacy();

  Oidc oidc();

  Query query();

  SelfMetrics selfMetrics();

  Alerting alerting();

  /** Per-tenant alerting rollups on {@code /metrics} (README "Alerting"). */
  interface Alerting {
    /**
     * How often the rollups are computed from the store (PromQL over the whole mesh); scrapes read
     * the last result, so a scrape never runs a query.
     */
    @WithDefault("15s")
    Duration rollupInterval();

    /** Distinct clusters with their own rollup series; more are folded into {@code _other}. */
    @WithDefault("100")
    int maxClusters();

    /** Label sets per rollup metric; more are left out and counted. */
    @WithDefault("20000")
    int maxSeries();
  }

  /** Kafka topics per signal. */
  interface Topics {
    /** OTLP metrics (ExportMetricsServiceRequest), the Collector kafka exporter's default. */
    @WithDefault("otlp_metrics")
    List<String> metrics();

    /** OTLP traces (ExportTraceServiceRequest). */
    @WithDefault("otlp_spans")
    List<String> spans();

    /** OTLP logs (ExportLogsServiceRequest), e.g. Envoy's OpenTelemetry access logger. */
    @WithDefault("otlp_logs")
    List<String> logs();

    /** Istio JSON or TEXT access log lines from a log forwarder. */
    @WithDefault("istio_access_logs")
    List<String> accessLogs();

    /**
     * Where records Meshlens cannot ingest go, unchanged, with headers naming the reason and the
     * source topic, partition and offset.
     */
    @WithDefault("meshlens.deadletter")
    String deadLetter();
  }

  /** The Kafka consumers. */
  interface Ingest {
    /** Consumer group shared by all Meshlens replicas. */
    @WithDefault("meshlens")
    String groupId();

    /**
     * Message encoding: {@code auto} (JSON when the message starts with '{', else protobuf), {@code
     * otlp_proto} or {@code otlp_json}.
     */
    @WithDefault("auto")
    String encoding();

    /** Records larger than this are dead-lettered with reason {@code oversized}. */
    @WithDefault("8388608")
    int maxRecordBytes();

    /** Upper bound of one Kafka poll. */
    @WithDefault("500ms")
    Duration pollTimeout();

    /**
     * Threads that handle the partitions of a polled metrics batch in parallel (0: one per
     * processor). Only partitions run in parallel, so a topic needs at least as many partitions.
     */
    @WithDefault("0")
    int workerThreads();
  }

  /** The stores under {@link #dataDir()}: durability and retention. */
  interface Storage {
    /**
     * How often the metric store writes its new data, with the Kafka offsets it covers, to disk. A
     * crash replays at most this much of Kafka.
     */
    @WithDefault("60s")
    Duration metricsCheckpointInterval();

    /** How long sealed metric chunks stay on the heap after they are on disk. */
    @WithDefault("2h")
    Duration metricsHeadWindow();

    /** Metric samples older than this are dropped, a whole day partition at a time. */
    @WithDefault("15d")
    Duration metricsRetention();

    /** Spans older than this are dropped, a whole day at a time. */
    @WithDefault("3d")
    Duration spansRetention();

    /** Access logs older than this are dropped, a whole day at a time. */
    @WithDefault("3d")
    Duration logsRetention();

    /** How often retention runs. */
    @WithDefault("10m")
    Duration retentionInterval();
  }

  /** The broker Meshlens starts itself when no {@code kafka.bootstrap.servers} is given. */
  interface Broker {
    /** Client port of the embedded broker on 127.0.0.1; 0 picks a free port. */
    @WithDefault("9092")
    int port();

    /** Partitions of each topic the embedded broker creates. */
    @WithDefault("3")
    int partitions();
  }

  /** The built-in mesh simulator that feeds the demo. */
  interface Simulator {
    /** Run it; default: only when Meshlens started its own broker. */
    Optional<Boolean> enabled();

    @WithDefault("42")
    long seed();

    /** Requests per second across the whole simulated mesh. */
    @WithDefault("50")
    double requestsPerSecond();

    /** Pod replicas per workload. */
    @WithDefault("2")
    int replicasPerWorkload();

    /** Synthetic tenants added to the fixed demo tenants, to scale the mesh up. */
    @WithDefault("0")
    int extraTenants();

    /** Interval between two exports (the collectors' scrape/batch interval). */
    @WithDefault("5s")
    Duration interval();

    /** {@code otlp_proto} or {@code otlp_json}. */
    @WithDefault("otlp_proto")
    String encoding();

    /** Time after the simulator starts when fraud-check in east-1 starts failing (failover). */
    @WithDefault("120s")
    Duration failoverStart();

    /** Time after the simulator starts when fraud-check in east-1 is healthy again. */
    @WithDefault("300s")
    Duration failoverEnd();

    /**
     * How long fraud-check in east-1 answers 503 before outlier detection ejects it and its callers
     * fail over (fault injection: a longer delay is a longer outage).
     */
    @WithDefault("10s")
    Duration failoverEjectionDelay();
  }

  /** Peer privacy between tenants (DESIGN.md, "Tenancy model"). */
  interface Privacy {
    /**
     * In a trace fetched through the Jaeger API, spans of tenants outside the caller's scope keep
     * their ids, parent, timing and place in the tree but lose operation name, tags, logs and
     * service (shown as the owning tenant). {@code false} shows them in full.
     */
    @WithDefault("true")
    boolean redactForeignSpans();

    /**
     * On a series another tenant's proxy reported (a cross-tenant edge), the peer's workload, pod,
     * version, principal and address labels show as stable pseudonyms; tenant, namespace, service
     * and cluster stay. The pseudonyms are keyed by {@code <data-dir>/privacy.key}, created on
     * first start. {@code false} shows them in full.
     */
    @WithDefault("true")
    boolean redactPeerLabels();
  }

  /** Limits of one PromQL query, named after Prometheus' flags and with their defaults. */
  interface Query {
    /**
     * The most samples one query may hold in memory at once ({@code --query.max-samples}); more
     * fails the query with Prometheus' {@code execution} error "query processing would load too
     * many samples into memory in query execution".
     */
    @WithDefault("50000000")
    long maxSamples();

    /**
     * The longest a query may run ({@code --query.timeout}); longer fails it with Prometheus'
     * {@code timeout} error "query timed out in ...".
     */
    @WithDefault("2m")
    Duration timeout();

    /**
     * Whether a background thread runs typical dashboard queries over a small made-up store right
     * after start-up (about 3 s of one core), so that the first real queries run compiled code
     * instead of the interpreter's.
     */
    @WithDefault("true")
    boolean warmUp();
  }

  /**
   * OIDC bearer JWTs, accepted next to the tokens file. Off unless {@link #issuer()} is set; then a
   * bearer token of the JWT form ({@code header.payload.signature}, base64url) is verified against
   * the issuer's keys and never looked up in the tokens file; other tokens still are.
   */
  interface Oidc {
    /**
     * The issuer, exactly as tokens carry it in {@code iss}, e.g. {@code
     * https://idp.example.com/realms/mesh}. Setting it turns JWT verification on.
     */
    Optional<String> issuer();

    /**
     * Where the issuer publishes its signing keys (JWKS). Default: the {@code jwks_uri} of the
     * issuer's discovery document ({@code <issuer>/.well-known/openid-configuration}), read on the
     * first token to verify, whose {@code issuer} must equal {@link #issuer()}.
     */
    Optional<String> jwksUrl();

    /** When set, a token's {@code aud} must contain this value. */
    Optional<String> audience();

    /**
     * Claim naming the caller. A dotted path ({@code a.b}) reaches into nested objects when no
     * top-level claim has the full name.
     */
    @WithDefault("sub")
    String subjectClaim();

    /**
     * Claim listing the caller's tenants: a JSON array of strings or one string separated by spaces
     * or commas; dotted paths as for {@link #subjectClaim()}.
     */
    @WithDefault("tenants")
    String tenantsClaim();

    /**
     * Claim listing the caller's roles, same forms as {@link #tenantsClaim()} (e.g. {@code
     * realm_access.roles}).
     */
    @WithDefault("roles")
    String rolesClaim();

    /** The role value that makes the caller an SRE (every tenant); any other role is ignored. */
    @WithDefault("sre")
    String sreRole();

    /**
     * Accepted signature algorithms: RSA (RSxxx, PSxxx) and EC (ESxxx) only; {@code none} and HMAC
     * are refused at start-up.
     */
    @WithDefault("RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512")
    List<String> algorithms();

    /** Tolerance for {@code exp} and {@code nbf} against this server's clock. */
    @WithDefault("60s")
    Duration clockSkew();

    /** How long fetched keys are used before the JWKS is fetched again. */
    @WithDefault("5m")
    Duration jwksRefreshInterval();

    /**
     * A token signed by a key id the cached JWKS does not have makes Meshlens fetch the JWKS again
     * (key rotation), but no more often than this.
     */
    @WithDefault("30s")
    Duration jwksMinRefetchInterval();

    /** When the JWKS cannot be fetched, the last keys fetched stay in use this long. */
    @WithDefault("1h")
    Duration jwksOutageTolerance();
  }

  /**
   * Meshlens' own {@code /metrics} appended to its own metric store as tenant {@code platform}
   * (DESIGN.md "Self-observability"), so SREs query Meshlens' health with the same API and
   * dashboards as the mesh's.
   */
  interface SelfMetrics {
    /** Record them; default: only when Meshlens started its own broker (the demo). */
    Optional<Boolean> enabled();

    /** How often the registry is snapshotted (a scrape interval). */
    @WithDefault("15s")
    Duration interval();

    /** The {@code cluster} label of Meshlens' own series: the cluster it runs in. */
    @WithDefault("local")
    String cluster();
  }

  /** Demo conveniences. */
  interface Demo {
    /** Plain demo tokens printed at start-up when the simulator runs (demo only). */
    @WithDefault("config/demo-tokens.txt")
    String tokensFile();
  }
}
