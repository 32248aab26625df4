package io.meshlens.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The simulated mesh: clusters and networks, tenants and their namespaces, services, the workloads
 * that run them in each cluster, their pods, and the service-to-service calls.
 *
 * <p>The named part is fixed (the demo's tenant configuration is written against it); {@link
 * SimulatorSettings#extraTenants()} adds synthetic tenants to reach benchmark scale. Pod names, IPs
 * and uids come from the seed, so a topology is reproducible. Immutable once built.
 */
public final class MeshTopology {

  public static final String MESH_ID = "mesh1";
  public static final String TRUST_DOMAIN = "cluster.local";

  /** Tenant of the platform namespaces, as Meshlens names it. */
  public static final String PLATFORM_TENANT = "platform";

  /** Tenant of namespaces no tenant owns, as Meshlens names it. */
  public static final String UNASSIGNED_TENANT = "unassigned";

  public static final String ISTIO_SYSTEM = "istio-system";
  public static final String ISTIO_GATEWAYS = "istio-gateways";
  public static final String KUBE_SYSTEM = "kube-system";
  public static final List<String> PLATFORM_NAMESPACES =
      List.of(ISTIO_SYSTEM, ISTIO_GATEWAYS, KUBE_SYSTEM);

  public static final String EAST_1 = "east-1";
  public static final String EAST_2 = "east-2";
  public static final String WEST_1 = "west-1";

  /** Istio release the simulated proxies and control planes report. */
  public static final String ISTIO_VERSION = "1.27.1";

  /** How access logs of the proxies in a cluster reach Kafka. */
  public enum AccessLogShipping {
    /**
     * Istio JSON (typed values) wrapped by Fluent Bit with Kubernetes metadata, access log topic.
     */
    FLUENT_BIT_JSON,
    /** Older Istio JSON, every value a string and "-" for absent, unwrapped, access log topic. */
    RAW_LEGACY_JSON,
    /**
     * Envoy OpenTelemetry access logger: OTLP log records with the TEXT line as body, logs topic.
     */
    OTLP_TEXT
  }

  /** Application protocol of a service port, as Istio's {@code request_protocol} label says it. */
  public enum Protocol {
    HTTP("http"),
    GRPC("grpc"),
    TCP("tcp");

    private final String label;

    Protocol(String label) {
      this.label = label;
    }

    /** The value of the {@code request_protocol} label. */
    public String label() {
      return label;
    }
  }

  /** What runs in the pods of a workload, which decides its containers and telemetry. */
  public enum WorkloadKind {
    /** Application container plus the istio-proxy sidecar. */
    SIDECAR,
    /** Envoy-only ingress gateway pod (shared or per tenant). */
    INGRESS_GATEWAY,
    /** Envoy-only east-west gateway pod (SNI passthrough on 15443). */
    EASTWEST_GATEWAY,
    /** istiod (container {@code discovery}). */
    ISTIOD,
    /** A plain pod with no proxy (e.g. coredns). */
    NO_PROXY
  }

  /**
   * A cluster of the mesh.
   *
   * @param index position in {@link #clusters()}, also used for address ranges
   */
  public record Cluster(
      String name, String network, AccessLogShipping accessLogShipping, int index) {}

  /** A tenant and what it owns; synthetic tenants are the ones added by extraTenants. */
  public record Tenant(
      String name, List<String> namespaces, List<String> clusters, boolean synthetic) {}

  /**
   * Behaviour of a service: latency, errors, payload sizes and resource needs of its app container.
   *
   * @param latencyMedianMs median server-side processing time, lognormal around it
   * @param latencySigma sigma of the lognormal latency
   * @param error5xxRate share of requests answered with a 5xx by the app
   * @param error4xxRate share of requests answered with a 404 by the app
   * @param responseBytesMedian median response body size
   * @param cpuBaseCores idle CPU of the app container
   * @param cpuCoresPerRps extra CPU per request per second handled
   * @param memoryBaseBytes working set of the app container
   * @param cpuRequestCores CPU request of the app container (limit is twice that)
   * @param memoryRequestBytes memory request of the app container (limit is twice that)
   * @param userAgent what the app's HTTP client sends
   */
  public record ServiceProfile(
      double latencyMedianMs,
      double latencySigma,
      double error5xxRate,
      double error4xxRate,
      double responseBytesMedian,
      double cpuBaseCores,
      double cpuCoresPerRps,
      long memoryBaseBytes,
      double cpuRequestCores,
      long memoryRequestBytes,
      String userAgent) {}

  /**
   * A Kubernetes service, the same in every cluster its namespace exists in (namespace sameness).
   *
   * @param id position in {@link #services()}
   * @param tenant owning tenant, {@link #PLATFORM_TENANT} or {@link #UNASSIGNED_TENANT}
   */
  public record Service(
      int id,
      String name,
      String namespace,
      String tenant,
      int port,
      Protocol protocol,
      WorkloadKind kind,
      String serviceAccount,
      ServiceProfile profile) {

    /** {@code <name>.<namespace>.svc.cluster.local}, Istio's {@code destination_service}. */
    public String fqdn() {
      return name + "." + namespace + ".svc." + TRUST_DOMAIN;
    }

    /** SPIFFE identity of the service account. */
    public String principal() {
      return "spiffe://" + TRUST_DOMAIN + "/ns/" + namespace + "/sa/" + serviceAccount;
    }
  }

  /**
   * A deployment of a service in one cluster.
   *
   * @param id position in {@link #workloads()}
   * @param name Istio's {@code *_workload} label, e.g. {@code frontend-v1}
   * @param version {@code *_version} label ({@code unknown} for gateways)
   * @param canonicalRevision {@code *_canonical_revision} label ({@code latest} for gateways)
   */
  public record Workload(
      int id,
      String name,
      Service service,
      String cluster,
      String version,
      String canonicalRevision,
      String templateHash) {

    public String namespace() {
      return service.namespace();
    }

    /** Istio's canonical service (the app label). */
    public String app() {
      return service.name();
    }

    public WorkloadKind kind() {
      return service.kind();
    }

    /** Whether the pods run an Envoy (sidecar or gateway) that reports Istio telemetry. */
    public boolean hasProxy() {
      WorkloadKind k = service.kind();
      return k == WorkloadKind.SIDECAR
          || k == WorkloadKind.INGRESS_GATEWAY
          || k == WorkloadKind.EASTWEST_GATEWAY;
    }

    /** Whether the pods are Envoy-only gateways ({@code router} proxies). */
    public boolean isGateway() {
      WorkloadKind k = service.kind();
      return k == WorkloadKind.INGRESS_GATEWAY || k == WorkloadKind.EASTWEST_GATEWAY;
    }
  }

  /**
   * A pod.
   *
   * @param index position in {@link #pods()}
   * @param startTime pod start, the start time of its cumulative counters
   */
  public record Pod(
      int index,
      String name,
      String uid,
      String ip,
      String node,
      Workload workload,
      Instant startTime) {

    public String cluster() {
      return workload.cluster();
    }

    public String namespace() {
      return workload.namespace();
    }

    /**
     * Envoy node id: {@code sidecar~IP~pod.ns~ns.svc.cluster.local} ({@code router} for gateways).
     */
    public String nodeId() {
      String type = workload.isGateway() ? "router" : "sidecar";
      return type
          + "~"
          + ip
          + "~"
          + name
          + "."
          + namespace()
          + "~"
          + namespace()
          + ".svc."
          + TRUST_DOMAIN;
    }
  }

  /**
   * A call the source service makes, per request it handles (or per root request it starts).
   *
   * @param probability expected number of such calls per request of the caller (at most 1)
   * @param securityPolicy {@code mutual_tls} or {@code none} (plaintext), as the destination sees
   *     it
   * @param rbacDenyRate share of calls an AuthorizationPolicy denies at the destination (403)
   */
  public record Call(
      int id,
      Service from,
      Service to,
      double probability,
      String method,
      String path,
      String securityPolicy,
      double rbacDenyRate) {}

  /**
   * A source of requests that nobody inside the mesh calls: a gateway receiving outside traffic or
   * a workload with its own schedule. Each root request makes each call with its probability.
   *
   * @param weight share of the mesh-wide traffic (scaled by how many calls a root request causes)
   */
  public record Root(int id, Workload source, List<Call> calls, double weight) {}

  private final List<Cluster> clusters;
  private final List<Tenant> tenants;
  private final List<Service> services;
  private final List<Workload> workloads;
  private final List<Pod> pods;
  private final List<Call> calls;
  private final List<Root> roots;
  private final Map<String, String> tenantByNamespace;
  private final Map<String, Service> serviceByKey;
  private final Map<String, Workload> workloadByKey;
  private final List<List<Pod>> podsByWorkload;
  private final List<List<Call>> callsByService;
  private final List<List<Workload>> workloadsByService;
  private final Map<String, String> clusterIps;

  private MeshTopology(Builder b) {
    this.clusters = List.copyOf(b.clusters);
    this.tenants = List.copyOf(b.tenants);
    this.services = List.copyOf(b.services);
    this.workloads = List.copyOf(b.workloads);
    this.pods = List.copyOf(b.pods);
    this.calls = List.copyOf(b.calls);
    this.roots = List.copyOf(b.roots);
    this.tenantByNamespace = Collections.unmodifiableMap(new LinkedHashMap<>(b.tenantByNamespace));
    this.serviceByKey = Collections.unmodifiableMap(new LinkedHashMap<>(b.serviceByKey));
    this.workloadByKey = Collections.unmodifiableMap(new LinkedHashMap<>(b.workloadByKey));
    List<List<Pod>> pw = new ArrayList<>();
    for (List<Pod> l : b.podsByWorkload) {
      pw.add(List.copyOf(l));
    }
    this.podsByWorkload = List.copyOf(pw);
    List<List<Call>> cs = new ArrayList<>();
    List<List<Workload>> ws = new ArrayList<>();
    for (int i = 0; i < services.size(); i++) {
      cs.add(new ArrayList<>());
      ws.add(new ArrayList<>());
    }
    for (Call c : calls) {
      cs.get(c.from().id()).add(c);
    }
    for (Workload w : workloads) {
      ws.get(w.service().id()).add(w);
    }
    this.callsByService = cs.stream().map(List::copyOf).toList();
    this.workloadsByService = ws.stream().map(List::copyOf).toList();
    this.clusterIps = Collections.unmodifiableMap(new LinkedHashMap<>(b.clusterIps));
  }

  /** Builds the mesh for the settings; pods started within two days before {@code start}. */
  public static MeshTopology build(SimulatorSettings settings, Instant start) {
    return new Builder(settings, start).build();
  }

  public String meshId() {
    return MESH_ID;
  }

  public String trustDomain() {
    return TRUST_DOMAIN;
  }

  public List<Cluster> clusters() {
    return clusters;
  }

  public List<String> clusterNames() {
    return clusters.stream().map(Cluster::name).toList();
  }

  public Optional<Cluster> cluster(String name) {
    return clusters.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** Distinct network names in cluster order. */
  public List<String> networks() {
    return clusters.stream().map(Cluster::network).distinct().toList();
  }

  /** Tenants from the tenant configuration (not {@code platform} or {@code unassigned}). */
  public List<Tenant> tenants() {
    return tenants;
  }

  public List<String> tenantNames() {
    return tenants.stream().map(Tenant::name).toList();
  }

  public Optional<Tenant> tenant(String name) {
    return tenants.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** Tenant owning a namespace: a tenant name, {@code platform} or {@code unassigned}. */
  public String tenantOfNamespace(String namespace) {
    return tenantByNamespace.getOrDefault(namespace, UNASSIGNED_TENANT);
  }

  /** Every namespace with pods in the cluster, in creation order. */
  public List<String> namespaces(String cluster) {
    return workloads.stream()
        .filter(w -> w.cluster().equals(cluster))
        .map(Workload::namespace)
        .distinct()
        .toList();
  }

  public List<Service> services() {
    return services;
  }

  public Optional<Service> service(String namespace, String name) {
    return Optional.ofNullable(serviceByKey.get(namespace + "/" + name));
  }

  public List<Workload> workloads() {
    return workloads;
  }

  /** Workloads of a service, one per cluster it runs in, in cluster order. */
  public List<Workload> workloadsOf(Service service) {
    return workloadsByService.get(service.id());
  }

  /** The workload of a service in a cluster, if the service runs there. */
  public Optional<Workload> workload(String cluster, Service service) {
    for (Workload w : workloadsByService.get(service.id())) {
      if (w.cluster().equals(cluster)) {
        return Optional.of(w);
      }
    }
    return Optional.empty();
  }

  /** Looks a workload up by cluster, namespace and workload name ({@code frontend-v1}). */
  public Optional<Workload> workload(String cluster, String namespace, String workloadName) {
    return Optional.ofNullable(workloadByKey.get(cluster + "/" + namespace + "/" + workloadName));
  }

  public List<Pod> pods() {
    return pods;
  }

  public List<Pod> podsOf(Workload workload) {
    return podsByWorkload.get(workload.id());
  }

  /** Pods of the workload running {@code serviceName} in that cluster and namespace. */
  public List<Pod> podsOf(String cluster, String namespace, String serviceName) {
    Service s = serviceByKey.get(namespace + "/" + serviceName);
    if (s == null) {
      return List.of();
    }
    return workload(cluster, s).map(this::podsOf).orElse(List.of());
  }

  public List<Pod> podsIn(String cluster) {
    return pods.stream().filter(p -> p.cluster().equals(cluster)).toList();
  }

  public List<Call> calls() {
    return calls;
  }

  /** Calls a service makes for every request it handles. */
  public List<Call> callsFrom(Service service) {
    return callsByService.get(service.id());
  }

  public List<Root> roots() {
    return roots;
  }

  /** The Kubernetes ClusterIP of a service in a cluster ({@code 10.96.0.1} if unknown). */
  public String clusterIp(String cluster, Service service) {
    return clusterIps.getOrDefault(cluster + "/" + service.id(), "10.96.0.1");
  }

  /** The istiod workload of a cluster. */
  public Workload istiod(String cluster) {
    return workload(cluster, ISTIO_SYSTEM, "istiod").orElseThrow();
  }

  /** The east-west gateway workload of a cluster. */
  public Workload eastWestGateway(String cluster) {
    return workload(cluster, ISTIO_SYSTEM, "istio-eastwestgateway").orElseThrow();
  }

  /** Accumulates the mesh while it is being built; everything is deterministic in the seed. */
  private static final class Builder {
    private static final String POD_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final long MIB = 1024L * 1024L;

    private final SimulatorSettings settings;
    private final Instant start;
    private final SplittableRandom rng;
    private final List<Cluster> clusters = new ArrayList<>();
    private final List<Tenant> tenants = new ArrayList<>();
    private final List<Service> services = new ArrayList<>();
    private final List<Workload> workloads = new ArrayList<>();
    private final List<Pod> pods = new ArrayList<>();
    private final List<List<Pod>> podsByWorkload = new ArrayList<>();
    private final List<Call> calls = new ArrayList<>();
    private final List<Root> roots = new ArrayList<>();
    private final Map<String, String> tenantByNamespace = new LinkedHashMap<>();
    private final Map<String, Service> serviceByKey = new LinkedHashMap<>();
    private final Map<String, Workload> workloadByKey = new LinkedHashMap<>();
    private final Map<String, String> clusterIps = new LinkedHashMap<>();
    private final int[] podsPerCluster = new int[3];
    private final int[] servicesPerCluster = new int[3];

    Builder(SimulatorSettings settings, Instant start) {
      this.settings = settings;
      this.start = start;
      // A stream of its own, so that traffic settings never change pod names or addresses.
      this.rng = new SplittableRandom(settings.seed() ^ 0x746F706F6C6F6779L);
    }

    MeshTopology build() {
      clusters.add(new Cluster(EAST_1, "net-east", AccessLogShipping.FLUENT_BIT_JSON, 0));
      clusters.add(new Cluster(EAST_2, "net-east", AccessLogShipping.OTLP_TEXT, 1));
      clusters.add(new Cluster(WEST_1, "net-west", AccessLogShipping.RAW_LEGACY_JSON, 2));
      for (String ns : PLATFORM_NAMESPACES) {
        tenantByNamespace.put(ns, PLATFORM_TENANT);
      }

      // Platform services.
      Service istiod =
          service(
              "istiod",
              ISTIO_SYSTEM,
              15012,
              Protocol.GRPC,
              WorkloadKind.ISTIOD,
              "istiod",
              profile(0, 0, 0, 0, 0, 0.02, 0, 180 * MIB, 0.5, 2048 * MIB, "-"));
      Service eastWest =
          service(
              "istio-eastwestgateway",
              ISTIO_SYSTEM,
              15443,
              Protocol.TCP,
              WorkloadKind.EASTWEST_GATEWAY,
              "istio-eastwestgateway-service-account",
              profile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "-"));
      Service ingress =
          service(
              "istio-ingressgateway",
              ISTIO_GATEWAYS,
              8080,
              Protocol.HTTP,
              WorkloadKind.INGRESS_GATEWAY,
              "istio-ingressgateway-service-account",
              profile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "-"));
      Service coredns =
          service(
              "coredns",
              KUBE_SYSTEM,
              53,
              Protocol.TCP,
              WorkloadKind.NO_PROXY,
              "coredns",
              profile(0, 0, 0, 0, 0, 0.003, 0, 22 * MIB, 0.1, 70 * MIB, "-"));

      // Tenant services.
      tenant("payments", List.of("payments", "payments-ledger"), List.of(EAST_1, WEST_1));
      Service paymentsApi =
          app(
              "payments-api",
              "payments",
              8080,
              Protocol.HTTP,
              profile(
                  25,
                  0.5,
                  0.004,
                  0.01,
                  800,
                  0.02,
                  0.004,
                  210 * MIB,
                  0.25,
                  256 * MIB,
                  "okhttp/4.12.0"));
      Service fraudCheck =
          app(
              "fraud-check",
              "payments",
              8080,
              Protocol.HTTP,
              profile(
                  15,
                  0.4,
                  0.003,
                  0.0,
                  220,
                  0.01,
                  0.003,
                  160 * MIB,
                  0.2,
                  256 * MIB,
                  "okhttp/4.12.0"));
      Service cardGateway =
          app(
              "card-gateway",
              "payments",
              8080,
              Protocol.HTTP,
              profile(
                  80,
                  0.6,
                  0.03,
                  0.005,
                  400,
                  0.01,
                  0.002,
                  140 * MIB,
                  0.2,
                  256 * MIB,
                  "okhttp/4.12.0"));
      Service ledger =
          app(
              "ledger",
              "payments-ledger",
              8080,
              Protocol.HTTP,
              profile(
                  12,
                  0.4,
                  0.002,
                  0.0,
                  300,
                  0.015,
                  0.003,
                  190 * MIB,
                  0.25,
                  256 * MIB,
                  "Go-http-client/1.1"));
      Service ledgerDb =
          app(
              "ledger-db",
              "payments-ledger",
              5432,
              Protocol.TCP,
              profile(4, 0.5, 0, 0, 0, 0.05, 0.002, 600 * MIB, 0.5, 1024 * MIB, "-"));

      tenant("shop", List.of("shop"), List.of(EAST_1));
      Service shopGateway =
          service(
              "shop-gateway",
              "shop",
              8080,
              Protocol.HTTP,
              WorkloadKind.INGRESS_GATEWAY,
              "shop-gateway",
              profile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "-"));
      Service frontend =
          app(
              "frontend",
              "shop",
              8080,
              Protocol.HTTP,
              profile(
                  20,
                  0.5,
                  0.004,
                  0.02,
                  12_000,
                  0.03,
                  0.004,
                  250 * MIB,
                  0.3,
                  384 * MIB,
                  "node-fetch/1.0"));
      Service catalog =
          app(
              "catalog",
              "shop",
              8080,
              Protocol.HTTP,
              profile(
                  10,
                  0.5,
                  0.002,
                  0.01,
                  6_000,
                  0.01,
                  0.002,
                  180 * MIB,
                  0.2,
                  256 * MIB,
                  "Go-http-client/1.1"));
      Service cart =
          app(
              "cart",
              "shop",
              8080,
              Protocol.HTTP,
              profile(
                  8,
                  0.4,
                  0.002,
                  0.005,
                  1_500,
                  0.01,
                  0.002,
                  150 * MIB,
                  0.2,
                  256 * MIB,
                  "Go-http-client/1.1"));
      Service checkout =
          app(
              "checkout",
              "shop",
              8080,
              Protocol.HTTP,
              profile(
                  40,
                  0.5,
                  0.005,
                  0.01,
                  700,
                  0.01,
                  0.003,
                  170 * MIB,
                  0.2,
                  256 * MIB,
                  "Go-http-client/1.1"));

      tenant("search", List.of("search"), List.of(EAST_2));
      Service searchApi =
          app(
              "search-api",
              "search",
              8080,
              Protocol.HTTP,
              profile(
                  30,
                  0.5,
                  0.004,
                  0.01,
                  4_000,
                  0.02,
                  0.004,
                  300 * MIB,
                  0.3,
                  512 * MIB,
                  "grpc-go/1.66.0"));
      Service ranker =
          app(
              "ranker",
              "search",
              9090,
              Protocol.GRPC,
              profile(
                  12,
                  0.5,
                  0.003,
                  0.0,
                  900,
                  0.05,
                  0.006,
                  700 * MIB,
                  0.5,
                  1024 * MIB,
                  "grpc-go/1.66.0"));
      Service indexer =
          app(
              "indexer",
              "search",
              8080,
              Protocol.HTTP,
              profile(
                  50,
                  0.6,
                  0.004,
                  0.01,
                  2_500,
                  0.03,
                  0.004,
                  900 * MIB,
                  0.5,
                  1024 * MIB,
                  "Go-http-client/1.1"));

      tenant("analytics", List.of("analytics"), List.of(WEST_1));
      Service collector =
          app(
              "collector",
              "analytics",
              8080,
              Protocol.HTTP,
              profile(
                  5,
                  0.4,
                  0.001,
                  0.0,
                  100,
                  0.02,
                  0.002,
                  130 * MIB,
                  0.2,
                  256 * MIB,
                  "python-requests/2.32.3"));
      Service reporting =
          app(
              "reporting",
              "analytics",
              8080,
              Protocol.HTTP,
              profile(
                  60,
                  0.6,
                  0.004,
                  0.005,
                  1_800,
                  0.02,
                  0.003,
                  260 * MIB,
                  0.25,
                  512 * MIB,
                  "Java-http-client/17.0.12"));
      Service warehouse =
          app(
              "warehouse",
              "analytics",
              9000,
              Protocol.TCP,
              profile(20, 0.6, 0, 0, 0, 0.08, 0.004, 1_500 * MIB, 1.0, 2048 * MIB, "-"));

      // Owned by no tenant: Meshlens attributes it to "unassigned".
      Service legacyBatch =
          app(
              "legacy-batch",
              "legacy",
              8080,
              Protocol.HTTP,
              profile(
                  5, 0.4, 0.002, 0.0, 100, 0.01, 0.002, 120 * MIB, 0.1, 128 * MIB, "curl/7.88.1"));

      // Deployments, cluster by cluster.
      for (Cluster c : clusters) {
        deploy(istiod, c.name(), 1);
        deploy(eastWest, c.name(), settings.replicasPerWorkload());
        deploy(coredns, c.name(), 2);
      }
      int r = settings.replicasPerWorkload();
      Workload ingressEast1 = deploy(ingress, EAST_1, r);
      Workload ingressWest1 = deploy(ingress, WEST_1, r);
      for (String cluster : List.of(EAST_1, WEST_1)) {
        for (Service s : List.of(paymentsApi, fraudCheck, cardGateway, ledger, ledgerDb)) {
          deploy(s, cluster, r);
        }
      }
      Workload shopGatewayEast1 = deploy(shopGateway, EAST_1, r);
      for (Service s : List.of(frontend, catalog, cart, checkout)) {
        deploy(s, EAST_1, r);
      }
      for (Service s : List.of(searchApi, ranker, indexer)) {
        deploy(s, EAST_2, r);
      }
      Workload collectorWest1 = null;
      for (Service s : List.of(collector, reporting, warehouse)) {
        Workload w = deploy(s, WEST_1, r);
        if (s == collector) {
          collectorWest1 = w;
        }
      }
      Workload legacyEast2 = deploy(legacyBatch, EAST_2, r);

      // The call graph.
      Call ingressToFrontend = call(ingress, frontend, 1.0, "GET", "/", "mutual_tls", 0.0);
      Call ingressToPayments =
          call(ingress, paymentsApi, 1.0, "POST", "/v1/payments", "mutual_tls", 0.0);
      Call shopGatewayToFrontend = call(shopGateway, frontend, 1.0, "GET", "/", "mutual_tls", 0.0);
      call(frontend, catalog, 1.0, "GET", "/api/products", "mutual_tls", 0.002);
      call(frontend, cart, 0.6, "GET", "/api/cart", "mutual_tls", 0.002);
      call(frontend, checkout, 0.15, "POST", "/api/checkout", "mutual_tls", 0.002);
      call(frontend, searchApi, 0.4, "GET", "/search", "mutual_tls", 0.002);
      call(checkout, paymentsApi, 1.0, "POST", "/v1/payments", "mutual_tls", 0.002);
      call(paymentsApi, fraudCheck, 1.0, "POST", "/v1/score", "mutual_tls", 0.002);
      call(paymentsApi, cardGateway, 0.9, "POST", "/v1/authorize", "mutual_tls", 0.002);
      call(paymentsApi, ledger, 0.9, "POST", "/v1/entries", "mutual_tls", 0.002);
      call(ledger, ledgerDb, 1.0, "-", "-", "mutual_tls", 0.0);
      call(searchApi, ranker, 1.0, "POST", "/ranker.v1.Ranker/Rank", "mutual_tls", 0.002);
      call(searchApi, indexer, 0.3, "GET", "/v1/lookup", "mutual_tls", 0.002);
      // Not an allowed peer: the shop's AuthorizationPolicy denies most of these calls.
      Call collectorToCatalog =
          call(collector, catalog, 0.5, "GET", "/api/products", "mutual_tls", 0.3);
      Call collectorToReporting =
          call(collector, reporting, 1.0, "POST", "/v1/events", "none", 0.0);
      call(reporting, warehouse, 0.8, "-", "-", "mutual_tls", 0.0);
      Call legacyToSearch = call(legacyBatch, searchApi, 1.0, "GET", "/search", "none", 0.0);

      root(ingressEast1, List.of(ingressToFrontend), 4.0);
      root(ingressEast1, List.of(ingressToPayments), 1.0);
      root(ingressWest1, List.of(ingressToPayments), 1.0);
      root(shopGatewayEast1, List.of(shopGatewayToFrontend), 1.0);
      root(collectorWest1, List.of(collectorToCatalog, collectorToReporting), 1.0);
      root(legacyEast2, List.of(legacyToSearch), 0.3);

      addSyntheticTenants(ingress, ingressEast1, ingressWest1);
      return new MeshTopology(this);
    }

    /**
     * Benchmark tenants: web -> api -> worker (gRPC) and api -> store (TCP), spread round-robin
     * over the clusters; east-2 has no ingress gateway so its tenants are reached from east-1.
     */
    private void addSyntheticTenants(
        Service ingress, Workload ingressEast1, Workload ingressWest1) {
      int r = settings.replicasPerWorkload();
      for (int i = 1; i <= settings.extraTenants(); i++) {
        String name = String.format("tenant-%03d", i);
        String cluster = clusters.get((i - 1) % clusters.size()).name();
        tenant(name, List.of(name), List.of(cluster));
        Service web =
            app(
                "web",
                name,
                8080,
                Protocol.HTTP,
                profile(
                    15,
                    0.5,
                    0.003,
                    0.01,
                    5_000,
                    0.01,
                    0.003,
                    150 * MIB,
                    0.1,
                    128 * MIB,
                    "node-fetch/1.0"));
        Service api =
            app(
                "api",
                name,
                8080,
                Protocol.HTTP,
                profile(
                    20,
                    0.5,
                    0.004,
                    0.01,
                    900,
                    0.01,
                    0.003,
                    170 * MIB,
                    0.1,
                    256 * MIB,
                    "Go-http-client/1.1"));
        Service worker =
            app(
                "worker",
                name,
                9090,
                Protocol.GRPC,
                profile(
                    10,
                    0.5,
                    0.003,
                    0.0,
                    300,
                    0.01,
                    0.003,
                    140 * MIB,
                    0.1,
                    256 * MIB,
                    "grpc-go/1.66.0"));
        Service store =
            app(
                "store",
                name,
                5432,
                Protocol.TCP,
                profile(3, 0.5, 0, 0, 0, 0.02, 0.002, 400 * MIB, 0.25, 512 * MIB, "-"));
        for (Service s : List.of(web, api, worker, store)) {
          deploy(s, cluster, r);
        }
        Call entry = call(ingress, web, 1.0, "GET", "/", "mutual_tls", 0.0);
        call(web, api, 1.0, "GET", "/api/items", "mutual_tls", 0.002);
        call(api, worker, 0.5, "POST", "/worker.v1.Worker/Process", "mutual_tls", 0.002);
        call(api, store, 0.8, "-", "-", "mutual_tls", 0.0);
        root(cluster.equals(WEST_1) ? ingressWest1 : ingressEast1, List.of(entry), 0.5);
      }
    }

    private static ServiceProfile profile(
        double latencyMedianMs,
        double latencySigma,
        double error5xxRate,
        double error4xxRate,
        double responseBytesMedian,
        double cpuBaseCores,
        double cpuCoresPerRps,
        long memoryBaseBytes,
        double cpuRequestCores,
        long memoryRequestBytes,
        String userAgent) {
      return new ServiceProfile(
          latencyMedianMs,
          latencySigma,
          error5xxRate,
          error4xxRate,
          responseBytesMedian,
          cpuBaseCores,
          cpuCoresPerRps,
          memoryBaseBytes,
          cpuRequestCores,
          memoryRequestBytes,
          userAgent);
    }

    private void tenant(String name, List<String> namespaces, List<String> tenantClusters) {
      tenants.add(
          new Tenant(
              name,
              List.copyOf(namespaces),
              List.copyOf(tenantClusters),
              name.startsWith("tenant-")));
      for (String ns : namespaces) {
        tenantByNamespace.put(ns, name);
      }
    }

    private Service app(
        String name, String namespace, int port, Protocol protocol, ServiceProfile profile) {
      return service(name, namespace, port, protocol, WorkloadKind.SIDECAR, name, profile);
    }

    private Service service(
        String name,
        String namespace,
        int port,
        Protocol protocol,
        WorkloadKind kind,
        String serviceAccount,
        ServiceProfile profile) {
      String tenant = tenantByNamespace.getOrDefault(namespace, UNASSIGNED_TENANT);
      Service s =
          new Service(
              services.size(),
              name,
              namespace,
              tenant,
              port,
              protocol,
              kind,
              serviceAccount,
              profile);
      services.add(s);
      serviceByKey.put(namespace + "/" + name, s);
      return s;
    }

    private Workload deploy(Service s, String cluster, int replicas) {
      boolean app = s.kind() == WorkloadKind.SIDECAR;
      String name = app ? s.name() + "-v1" : s.name();
      String hash = randomName(10);
      Workload w =
          new Workload(
              workloads.size(),
              name,
              s,
              cluster,
              app ? "v1" : "unknown",
              app ? "v1" : "latest",
              hash);
      workloads.add(w);
      workloadByKey.put(cluster + "/" + s.namespace() + "/" + name, w);
      int ci = clusterIndex(cluster);
      if (!clusterIps.containsKey(cluster + "/" + s.id())) {
        int n = servicesPerCluster[ci]++;
        clusterIps.put(
            cluster + "/" + s.id(), "10." + (96 + ci) + "." + (n / 250) + "." + (n % 250 + 2));
      }
      List<Pod> wp = new ArrayList<>();
      for (int i = 0; i < replicas; i++) {
        int n = podsPerCluster[ci]++;
        String ip = "10." + (ci + 1) + "." + (n / 250) + "." + (n % 250 + 2);
        // Three nodes per 90 pods, filled round-robin.
        String node = cluster + "-worker-" + String.format("%02d", n % 3 + 3 * (n / 90));
        Instant podStart = start.minus(Duration.ofSeconds(600 + rng.nextLong(2 * 24 * 3600L)));
        Pod p =
            new Pod(
                pods.size(),
                name + "-" + hash + "-" + randomName(5),
                uuid(),
                ip,
                node,
                w,
                podStart);
        pods.add(p);
        wp.add(p);
      }
      podsByWorkload.add(wp);
      return w;
    }

    private Call call(
        Service from,
        Service to,
        double probability,
        String method,
        String path,
        String policy,
        double rbacDenyRate) {
      Call c = new Call(calls.size(), from, to, probability, method, path, policy, rbacDenyRate);
      calls.add(c);
      return c;
    }

    private void root(Workload source, List<Call> rootCalls, double weight) {
      roots.add(new Root(roots.size(), source, List.copyOf(rootCalls), weight));
    }

    private int clusterIndex(String cluster) {
      for (Cluster c : clusters) {
        if (c.name().equals(cluster)) {
          return c.index();
        }
      }
      throw new IllegalArgumentException("unknown cluster " + cluster);
    }

    private String randomName(int length) {
      char[] chars = new char[length];
      for (int i = 0; i < length; i++) {
        chars[i] = POD_NAME_ALPHABET.charAt(rng.nextInt(POD_NAME_ALPHABET.length()));
      }
      return new String(chars);
    }

    private String uuid() {
      return Ids.uuid(rng.nextLong(), rng.nextLong());
    }
  }
}
