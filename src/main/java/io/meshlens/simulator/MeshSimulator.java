package io.meshlens.simulator;

import com.google.protobuf.ByteString;
import io.meshlens.simulator.MeshTopology.AccessLogShipping;
import io.meshlens.simulator.MeshTopology.Call;
import io.meshlens.simulator.MeshTopology.Cluster;
import io.meshlens.simulator.MeshTopology.Pod;
import io.meshlens.simulator.MeshTopology.Protocol;
import io.meshlens.simulator.MeshTopology.Root;
import io.meshlens.simulator.MeshTopology.Service;
import io.meshlens.simulator.MeshTopology.ServiceProfile;
import io.meshlens.simulator.MeshTopology.Workload;
import io.meshlens.simulator.MeshTopology.WorkloadKind;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A deterministic simulation of a multi-cluster, multi-tenant Istio mesh that produces the
 * telemetry its OpenTelemetry Collectors and log forwarders would publish to Kafka, and records
 * what it produced in a {@link GroundTruth}.
 *
 * <p>Each {@link #tick(Instant)} advances simulated time to {@code now}: it draws the root requests
 * of the interval (Poisson counts per entry point), follows each through the call graph (client and
 * server side of every hop, errors, locality failover, cross-cluster hops through east-west
 * gateways), and returns what the collectors export at {@code now}: cumulative Istio edge metrics
 * from both reporters, istiod metrics, pod and container usage, quotas, the spans of sampled traces
 * and every proxy's access log entries. Metrics are aggregated per series as Envoy does, so their
 * volume depends on the number of series, not on the request rate.
 *
 * <p>Same settings, same start and same tick times give byte-identical output. Not thread-safe: one
 * thread ticks; {@link #groundTruth()} may be read from others.
 */
public final class MeshSimulator {

  private static final long MIB = 1024L * 1024L;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** The Collector batch processor's default send_batch_size: items per export request. */
  private static final int BATCH_ITEMS = 8192;

  /** Outlier detection needs some failures before it ejects the failing endpoints. */
  public static final Duration DEFAULT_EJECTION_DELAY = Duration.ofSeconds(10);

  private static final String UNKNOWN = "unknown";
  private static final String[] BROWSER_AGENTS = {
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0"
        + " Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        + " Version/17.6 Safari/605.1.15",
    "curl/8.9.1",
    "okhttp/4.12.0"
  };
  static final String[] PUSH_TYPES = {"cds", "eds", "lds", "rds"};

  private final SimulatorSettings settings;
  private final MeshTopology topology;
  private final GroundTruth truth;
  private final Otlp otlp = new Otlp();
  private final AccessLogFormat logFormat = new AccessLogFormat();
  private final AccessLogFormat.Entry entry = new AccessLogFormat.Entry();
  // Separate streams so that, e.g., a different sample rate does not change the traffic.
  private final SplittableRandom traffic;
  private final SplittableRandom ids;
  private final SplittableRandom usage;
  private final SplittableRandom control;
  private long lastNanos;

  private final PodState[] pods;
  private final List<List<PodState>> podsByCluster = new ArrayList<>();
  private final Map<String, Integer> clusterIndex = new HashMap<>();

  /** [cluster][service id]: the service's workload in that cluster, or null. */
  private final Workload[][] localWorkload;

  /** [service id]: the first workload of the service, for services not in the caller's cluster. */
  private final Workload[] anyWorkload;

  private final Workload[] eastWestGateways;
  private final CallInfo[] callInfo;
  private final double[] rootRates;
  private final IstiodState[] istiods;
  private final QuotaState[] quotas;
  private final long foStart;
  private final long foEject;
  private final long foEnd;
  private final Workload failedWorkload;
  private final Workload failoverWorkload;

  // Per-tick accumulators, flushed into the ground truth when the tick's output is complete.
  private final Map<EdgeKey, long[]> tickRequests = new HashMap<>();
  private final Map<EdgeKey, long[]> tickTcp = new HashMap<>();
  private final long[] tickEastWest;
  private long tickFailedOver;
  private final Map<String, long[]> tickTelemetryByTenant = new HashMap<>();
  private final List<String> tickLines = new ArrayList<>();
  private final List<String> tickLineClusters = new ArrayList<>();

  /**
   * Builds the mesh for the settings; the simulation starts at {@code start}, which is also where
   * the first tick's interval begins.
   */
  public MeshSimulator(SimulatorSettings settings, Instant start) {
    this(settings, start, DEFAULT_EJECTION_DELAY);
  }

  /**
   * As {@link #MeshSimulator(SimulatorSettings, Instant)}, with the time the failover episode's
   * failing pods answer 503 before outlier detection ejects them: a longer delay is a longer outage
   * (fault injection for alerting tests; the ground truth's episode says when it ends).
   */
  public MeshSimulator(SimulatorSettings settings, Instant start, Duration ejectionDelay) {
    if (ejectionDelay.isNegative()) {
      throw new IllegalArgumentException("ejectionDelay must be >= 0: " + ejectionDelay);
    }
    this.settings = settings;
    this.topology = MeshTopology.build(settings, start);
    this.traffic = new SplittableRandom(settings.seed());
    this.ids = new SplittableRandom(settings.seed() ^ 0x6964735F73747265L);
    this.usage = new SplittableRandom(settings.seed() ^ 0x7573616765737472L);
    this.control = new SplittableRandom(settings.seed() ^ 0x636F6E74726F6C21L);
    long startNanos = nanos(start);
    this.lastNanos = startNanos;

    List<Cluster> clusters = topology.clusters();
    for (Cluster c : clusters) {
      clusterIndex.put(c.name(), c.index());
      podsByCluster.add(new ArrayList<>());
    }
    this.pods = new PodState[topology.pods().size()];
    for (Pod p : topology.pods()) {
      PodState ps =
          new PodState(
              p,
              clusterIndex.get(p.cluster()),
              topology.tenantOfNamespace(p.namespace()),
              clusters.get(clusterIndex.get(p.cluster())).accessLogShipping());
      pods[p.index()] = ps;
      podsByCluster.get(ps.clusterIndex).add(ps);
    }
    int nServices = topology.services().size();
    this.localWorkload = new Workload[clusters.size()][nServices];
    this.anyWorkload = new Workload[nServices];
    for (Workload w : topology.workloads()) {
      localWorkload[clusterIndex.get(w.cluster())][w.service().id()] = w;
      if (anyWorkload[w.service().id()] == null) {
        anyWorkload[w.service().id()] = w;
      }
    }
    this.eastWestGateways = new Workload[clusters.size()];
    this.istiods = new IstiodState[clusters.size()];
    for (Cluster c : clusters) {
      eastWestGateways[c.index()] = topology.eastWestGateway(c.name());
      Pod istiodPod = topology.podsOf(topology.istiod(c.name())).get(0);
      int proxies = 0;
      for (PodState ps : podsByCluster.get(c.index())) {
        if (ps.workload.hasProxy()) {
          proxies++;
        }
      }
      istiods[c.index()] = new IstiodState(pods[istiodPod.index()], proxies);
    }
    this.tickEastWest = new long[clusters.size()];
    this.callInfo = new CallInfo[topology.calls().size()];
    for (Call c : topology.calls()) {
      callInfo[c.id()] = new CallInfo(c, otlp);
    }
    this.rootRates = rootRates();
    this.quotas = buildQuotas();

    Service fraudCheck = topology.service("payments", "fraud-check").orElseThrow();
    this.failedWorkload = topology.workload(MeshTopology.EAST_1, fraudCheck).orElseThrow();
    this.failoverWorkload = topology.workload(MeshTopology.WEST_1, fraudCheck).orElseThrow();
    this.foStart = startNanos + settings.failoverStart().toNanos();
    this.foEnd = startNanos + settings.failoverEnd().toNanos();
    this.foEject = Math.min(foEnd, foStart + ejectionDelay.toNanos());
    FailoverEpisode failover =
        new FailoverEpisode(
            "payments",
            "fraud-check",
            MeshTopology.EAST_1,
            MeshTopology.WEST_1,
            instant(foStart),
            instant(foEject),
            instant(foEnd));
    this.truth = new GroundTruth(failover, start);
  }

  public MeshTopology topology() {
    return topology;
  }

  public GroundTruth groundTruth() {
    return truth;
  }

  public SimulatorSettings settings() {
    return settings;
  }

  /**
   * Simulates the requests between the previous tick (or the start) and {@code now} and returns
   * what the collectors and forwarders export at {@code now}.
   *
   * @throws IllegalArgumentException if {@code now} is before the previous tick
   */
  public TickOutput tick(Instant now) {
    long nowNanos = nanos(now);
    if (nowNanos < lastNanos) {
      throw new IllegalArgumentException(
          "tick at " + now + " is before the previous tick " + instant(lastNanos));
    }
    long dtNanos = nowNanos - lastNanos;
    simulateRequests(lastNanos, dtNanos);
    advanceIstiods(lastNanos, nowNanos);
    TickOutput out = buildOutput(nowNanos, dtNanos / (double) NANOS_PER_SECOND);
    flushGroundTruth(now);
    lastNanos = nowNanos;
    return out;
  }

  // ------------------------------------------------------------------ traffic

  /** Root request rate per root so that HTTP/gRPC calls mesh-wide add up to the setting. */
  private double[] rootRates() {
    double[] expectedPerService = new double[topology.services().size()];
    Arrays.fill(expectedPerService, -1);
    List<Root> roots = topology.roots();
    double[] expected = new double[roots.size()];
    double weighted = 0;
    for (Root r : roots) {
      double e = 0;
      for (Call c : r.calls()) {
        e +=
            c.probability()
                * (isHttp(c.to())
                    + fanOutProbability(c) * expectedCalls(c.to(), expectedPerService));
      }
      expected[r.id()] = e;
      weighted += r.weight() * e;
    }
    double[] rates = new double[roots.size()];
    for (Root r : roots) {
      rates[r.id()] = weighted == 0 ? 0 : settings.requestsPerSecond() * r.weight() / weighted;
    }
    return rates;
  }

  private double expectedCalls(Service s, double[] memo) {
    if (memo[s.id()] >= 0) {
      return memo[s.id()];
    }
    double e = 0;
    for (Call c : topology.callsFrom(s)) {
      e += c.probability() * (isHttp(c.to()) + fanOutProbability(c) * expectedCalls(c.to(), memo));
    }
    memo[s.id()] = e;
    return e;
  }

  /** Share of calls that succeed, so that the callee goes on to make its own calls. */
  private static double fanOutProbability(Call c) {
    ServiceProfile p = c.to().profile();
    return (1 - c.rbacDenyRate()) * (1 - p.error5xxRate() - p.error4xxRate());
  }

  private static int isHttp(Service s) {
    return s.protocol() == Protocol.TCP ? 0 : 1;
  }

  private void simulateRequests(long fromNanos, long dtNanos) {
    long dtMicros = dtNanos / 1000;
    if (dtMicros <= 0) {
      return;
    }
    double dtSeconds = dtNanos / (double) NANOS_PER_SECOND;
    List<Root> roots = topology.roots();
    long[] counts = new long[roots.size()];
    long total = 0;
    for (Root r : roots) {
      counts[r.id()] = poisson(traffic, rootRates[r.id()] * dtSeconds);
      total += counts[r.id()];
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("too many requests in one tick: " + total);
    }
    // Root requests in time order: offset (microseconds) in the high bits, root id in the low 16.
    long[] starts = new long[(int) total];
    int k = 0;
    for (Root r : roots) {
      for (long i = 0; i < counts[r.id()]; i++) {
        starts[k++] = (traffic.nextLong(dtMicros) << 16) | r.id();
      }
    }
    Arrays.sort(starts);
    for (long s : starts) {
      Root r = roots.get((int) (s & 0xFFFF));
      long t = fromNanos + ((s >>> 16) + 1) * 1000 - ids.nextInt(1000);
      root(r, t);
    }
  }

  /**
   * One root: a request entering through a gateway, or the calls a workload makes on its own
   * schedule. Each call starts a trace of its own: without incoming trace headers the caller's
   * proxy generates a new x-request-id and trace context for every request.
   */
  private void root(Root r, long t) {
    PodState src = pick(r.source());
    boolean gateway = r.source().kind() == WorkloadKind.INGRESS_GATEWAY;
    long at = t;
    for (Call c : r.calls()) {
      if (c.probability() >= 1 || traffic.nextDouble() < c.probability()) {
        Trace trace = new Trace();
        trace.requestId = Ids.uuid(ids.nextLong(), ids.nextLong());
        trace.sampled =
            settings.spanSampleRate() > 0 && ids.nextDouble() < settings.spanSampleRate();
        if (trace.sampled) {
          trace.traceId = Ids.traceId(ids.nextLong(), ids.nextLong());
        }
        String clientIp = null;
        if (gateway) {
          clientIp = "203.0.113." + (1 + ids.nextInt(254));
          trace.userAgent = BROWSER_AGENTS[ids.nextInt(BROWSER_AGENTS.length)];
        }
        at += call(src, c, at, trace, 0L, clientIp) + 100_000;
      }
    }
  }

  /**
   * One hop: the caller's proxy sends the request, the destination's sidecar handles it (unless no
   * upstream is healthy) and its app makes its own calls. Records metrics, ground truth, access
   * logs and spans for the hop.
   *
   * @return the duration the caller's proxy saw, in nanoseconds
   */
  private long call(
      PodState src, Call call, long t, Trace trace, long parentSpanId, String clientIp) {
    Service dst = call.to();
    Workload dstW = localWorkload[src.clusterIndex][dst.id()];
    boolean failing = false;
    boolean failedOver = false;
    if (dstW == failedWorkload && t >= foStart && t < foEnd) {
      if (t < foEject) {
        failing = true;
      } else {
        dstW = failoverWorkload;
        failedOver = true;
      }
    }
    if (dstW == null) {
      dstW = anyWorkload[dst.id()];
    }
    if (dst.protocol() == Protocol.TCP) {
      return tcpCall(src, call, dstW, t);
    }
    CallInfo info = callInfo[call.id()];
    Outcome oc = outcome(call, failing);
    int dstCi = clusterIndex.get(dstW.cluster());
    PodState dstPod = oc.reached ? pick(dstW) : null;
    boolean cross = oc.reached && dstCi != src.clusterIndex;
    PodState ew = cross ? pick(eastWestGateways[dstCi]) : null;

    long overhead = oc.reached ? networkOverhead(src.clusterIndex, dstCi) : 0;
    long serverStart = t + overhead / 2;
    long clientSpanId = 0;
    long serverSpanId = 0;
    if (trace.sampled) {
      clientSpanId = spanId();
      if (oc.reached) {
        serverSpanId = spanId();
      }
    }
    long serverDur;
    long appTime = -1;
    if (oc.appRuns) {
      ServiceProfile p = dst.profile();
      long self = lognormalNanos(p.latencyMedianMs(), p.latencySigma());
      long children = 0;
      if (oc.fanOut) {
        long childStart = serverStart + self / 4;
        for (Call c : topology.callsFrom(dst)) {
          if (c.probability() >= 1 || traffic.nextDouble() < c.probability()) {
            children += call(dstPod, c, childStart + children, trace, serverSpanId, null) + 50_000;
          }
        }
      }
      serverDur = self + children;
      appTime = serverDur;
    } else if (oc.reached) {
      serverDur = 100_000 + traffic.nextLong(900_000);
    } else {
      serverDur = 0;
    }
    long clientDur = oc.reached ? serverDur + overhead : 50_000 + traffic.nextLong(400_000);
    long requestBytes = requestBytes(call);
    long responseBytes =
        oc.body >= 0 ? oc.body : Math.max(1, lognormal(dst.profile().responseBytesMedian(), 0.4));

    // Metrics: the source reporter counts every request, the destination only those it saw.
    src.outbound++;
    Workload srcW = src.workload;
    EdgeSeries.Key sk =
        new EdgeSeries.Key(
            true, oc.reached ? dstW.id() : -1, dst.id(), oc.code, oc.grpc, oc.srcFlags, UNKNOWN);
    src.http(sk, this, srcW, oc.reached ? dstW : null, dst, call.securityPolicy())
        .record(clientDur / 1_000_000, requestBytes, responseBytes);
    if (oc.reached) {
      dstPod.inbound++;
      EdgeSeries.Key dk =
          new EdgeSeries.Key(
              false, srcW.id(), dst.id(), oc.code, oc.grpc, oc.dstFlags, call.securityPolicy());
      dstPod
          .http(dk, this, srcW, dstW, dst, call.securityPolicy())
          .record(serverDur / 1_000_000, requestBytes, responseBytes);
    }
    if (cross) {
      ew.inbound++;
      EdgeSeries.Tcp g = ew.eastWest(dstW, dst, this);
      // Requests share long-lived mTLS connections through the gateway.
      if (g.carried++ % 50 == 0) {
        g.opened++;
        g.closed = g.opened - 1;
      }
      g.receivedBytes += requestBytes + 400;
      g.sentBytes += responseBytes + 250;
      tickEastWest[dstCi]++;
    }
    if (failedOver) {
      tickFailedOver++;
    }
    EdgeKey key =
        new EdgeKey(
            src.tenant,
            srcW.namespace(),
            srcW.app(),
            srcW.cluster(),
            dst.tenant(),
            dst.namespace(),
            dst.name(),
            oc.reached ? dstW.cluster() : UNKNOWN,
            oc.code,
            call.securityPolicy());
    long[] acc = tickRequests.get(key);
    if (acc == null) {
      acc = new long[2];
      tickRequests.put(key, acc);
    }
    acc[0]++;
    if (oc.reached) {
      acc[1]++;
    }

    // Access logs: one entry from each proxy on the path.
    String userAgent =
        trace.userAgent != null && clientIp != null
            ? trace.userAgent
            : src.workload.service().profile().userAgent();
    AccessLogFormat.Entry e = entry;
    e.startNanos = t;
    e.method = call.method();
    e.path = call.path();
    e.protocol = info.protocol;
    e.responseCode = oc.code;
    e.responseFlags = oc.srcFlags;
    e.responseCodeDetails = oc.srcDetails;
    e.connectionTerminationDetails = null;
    e.bytesReceived = requestBytes;
    e.bytesSent = responseBytes;
    e.durationMs = clientDur / 1_000_000;
    e.upstreamServiceTimeMs = oc.reached ? serverDur / 1_000_000 : -1;
    e.xForwardedFor = clientIp;
    e.userAgent = userAgent;
    e.requestId = trace.requestId;
    e.authority = info.authority;
    e.upstreamHost =
        !oc.reached ? null : cross ? ew.pod.ip() + ":15443" : dstPod.pod.ip() + ":" + dst.port();
    e.upstreamCluster = info.outboundCluster;
    e.upstreamLocalAddress = oc.reached ? src.pod.ip() + ":" + ephemeralPort() : null;
    if (src.workload.isGateway()) {
      e.downstreamLocalAddress = src.pod.ip() + ":8080";
      e.downstreamRemoteAddress =
          (clientIp != null ? clientIp : "10.0.0.1") + ":" + ephemeralPort();
      e.routeName = null;
    } else {
      e.downstreamLocalAddress = topology.clusterIp(src.workload.cluster(), dst) + ":" + dst.port();
      e.downstreamRemoteAddress = src.pod.ip() + ":" + ephemeralPort();
      e.routeName = "default";
    }
    e.requestedServerName = null;
    e.upstreamTransportFailureReason = null;
    accessLog(src, e, clientDur, trace, clientSpanId);
    if (oc.reached) {
      e.responseFlags = oc.dstFlags;
      e.responseCodeDetails = oc.dstDetails;
      e.startNanos = serverStart;
      e.durationMs = serverDur / 1_000_000;
      e.upstreamServiceTimeMs = appTime >= 0 ? appTime / 1_000_000 : -1;
      e.upstreamHost =
          oc.appRuns || oc.dstFlags.equals("UF") ? dstPod.pod.ip() + ":" + dst.port() : null;
      e.upstreamCluster = info.inboundCluster;
      e.upstreamLocalAddress = e.upstreamHost != null ? "127.0.0.6:" + ephemeralPort() : null;
      e.downstreamLocalAddress = dstPod.pod.ip() + ":" + dst.port();
      e.downstreamRemoteAddress = (cross ? ew.pod.ip() : src.pod.ip()) + ":" + ephemeralPort();
      e.requestedServerName = info.mtls ? info.serverName : null;
      e.routeName = "default";
      e.upstreamTransportFailureReason = oc.dstTransportFailure;
      accessLog(dstPod, e, serverDur, trace, serverSpanId);
    }

    // Spans: a CLIENT span from the caller's proxy, a SERVER span from the destination sidecar.
    if (trace.sampled) {
      String status = Integer.toString(oc.code);
      boolean error = oc.code >= 500 || (!oc.grpc.isEmpty() && !oc.grpc.equals("0"));
      src.spans.add(
          span(
              src,
              trace,
              clientSpanId,
              parentSpanId,
              info.spanName,
              Span.SpanKind.SPAN_KIND_CLIENT,
              t,
              clientDur,
              info,
              call.method(),
              status,
              oc.srcFlags,
              info.outboundCluster,
              src.workload.isGateway() && clientIp != null ? clientIp : src.pod.ip(),
              userAgent,
              requestBytes,
              responseBytes,
              error));
      if (oc.reached) {
        dstPod.spans.add(
            span(
                dstPod,
                trace,
                serverSpanId,
                clientSpanId,
                info.spanName,
                Span.SpanKind.SPAN_KIND_SERVER,
                serverStart,
                serverDur,
                info,
                call.method(),
                status,
                oc.dstFlags,
                info.inboundCluster,
                cross ? ew.pod.ip() : src.pod.ip(),
                userAgent,
                requestBytes,
                responseBytes,
                error));
      }
    }
    return clientDur;
  }

  /** A TCP connection (database-like services): istio_tcp_* on both sides, no spans. */
  private long tcpCall(PodState src, Call call, Workload dstW, long t) {
    Service dst = call.to();
    CallInfo info = callInfo[call.id()];
    int dstCi = clusterIndex.get(dstW.cluster());
    PodState dstPod = pick(dstW);
    boolean cross = dstCi != src.clusterIndex;
    PodState ew = cross ? pick(eastWestGateways[dstCi]) : null;
    long overhead = networkOverhead(src.clusterIndex, dstCi);
    long serverDur =
        lognormalNanos(dst.profile().latencyMedianMs() * 2, dst.profile().latencySigma());
    long clientDur = serverDur + overhead;
    long received = Math.max(64, lognormal(1_500, 0.8));
    long sent = Math.max(64, lognormal(12_000, 1.0));
    Workload srcW = src.workload;

    src.outbound++;
    dstPod.inbound++;
    EdgeSeries.Tcp s =
        src.tcp(
            new EdgeSeries.Key(true, dstW.id(), dst.id(), 0, "", "-", UNKNOWN),
            this,
            srcW,
            dstW,
            dst,
            call.securityPolicy());
    s.opened++;
    s.closed++;
    s.sentBytes += sent;
    s.receivedBytes += received;
    EdgeSeries.Tcp d =
        dstPod.tcp(
            new EdgeSeries.Key(false, srcW.id(), dst.id(), 0, "", "-", call.securityPolicy()),
            this,
            srcW,
            dstW,
            dst,
            call.securityPolicy());
    d.opened++;
    d.closed++;
    d.sentBytes += sent;
    d.receivedBytes += received;
    if (cross) {
      ew.inbound++;
      EdgeSeries.Tcp g = ew.eastWest(dstW, dst, this);
      g.carried++;
      g.opened++;
      g.closed++;
      g.sentBytes += sent;
      g.receivedBytes += received;
      tickEastWest[dstCi]++;
    }
    EdgeKey key =
        new EdgeKey(
            src.tenant,
            srcW.namespace(),
            srcW.app(),
            srcW.cluster(),
            dst.tenant(),
            dst.namespace(),
            dst.name(),
            dstW.cluster(),
            0,
            call.securityPolicy());
    long[] acc = tickTcp.get(key);
    if (acc == null) {
      acc = new long[3];
      tickTcp.put(key, acc);
    }
    acc[0]++;
    acc[1] += sent;
    acc[2] += received;

    AccessLogFormat.Entry e = entry;
    e.startNanos = t;
    e.method = null;
    e.path = null;
    e.protocol = null;
    e.responseCode = 0;
    e.responseFlags = "-";
    e.responseCodeDetails = null;
    e.connectionTerminationDetails = null;
    e.bytesReceived = received;
    e.bytesSent = sent;
    e.durationMs = clientDur / 1_000_000;
    e.upstreamServiceTimeMs = -1;
    e.xForwardedFor = null;
    e.userAgent = null;
    e.requestId = null;
    e.authority = null;
    e.upstreamHost = cross ? ew.pod.ip() + ":15443" : dstPod.pod.ip() + ":" + dst.port();
    e.upstreamCluster = info.outboundCluster;
    e.upstreamLocalAddress = src.pod.ip() + ":" + ephemeralPort();
    e.downstreamLocalAddress = topology.clusterIp(srcW.cluster(), dst) + ":" + dst.port();
    e.downstreamRemoteAddress = src.pod.ip() + ":" + ephemeralPort();
    e.requestedServerName = null;
    e.routeName = null;
    e.upstreamTransportFailureReason = null;
    accessLog(src, e, clientDur, null, 0);
    e.startNanos = t + overhead / 2;
    e.durationMs = serverDur / 1_000_000;
    e.upstreamHost = dstPod.pod.ip() + ":" + dst.port();
    e.upstreamCluster = info.inboundCluster;
    e.upstreamLocalAddress = "127.0.0.6:" + ephemeralPort();
    e.downstreamLocalAddress = dstPod.pod.ip() + ":" + dst.port();
    e.downstreamRemoteAddress = (cross ? ew.pod.ip() : src.pod.ip()) + ":" + ephemeralPort();
    e.requestedServerName = info.mtls ? info.serverName : null;
    accessLog(dstPod, e, serverDur, null, 0);
    return clientDur;
  }

  /** What happens to an HTTP/gRPC call; failing = the destination's local pods are down. */
  private Outcome outcome(Call call, boolean failing) {
    boolean grpc = call.to().protocol() == Protocol.GRPC;
    if (failing) {
      // Before outlier detection ejects them, most calls reach the sidecar of a pod whose app is
      // down (UF at the destination), some find no healthy endpoint at all (UH at the source).
      return traffic.nextDouble() < 0.3 ? Outcome.UH : Outcome.UF;
    }
    double r = traffic.nextDouble();
    if (r < call.rbacDenyRate()) {
      return grpc ? Outcome.GRPC_RBAC : Outcome.RBAC;
    }
    r = traffic.nextDouble();
    ServiceProfile p = call.to().profile();
    if (r < p.error5xxRate()) {
      if (grpc) {
        return r < p.error5xxRate() * 0.8 ? Outcome.GRPC_INTERNAL : Outcome.GRPC_UNAVAILABLE;
      }
      return r < p.error5xxRate() * 0.8 ? Outcome.ERR_500 : Outcome.ERR_503;
    }
    if (r < p.error5xxRate() + p.error4xxRate()) {
      return grpc ? Outcome.GRPC_NOT_FOUND : Outcome.NOT_FOUND;
    }
    return grpc ? Outcome.GRPC_OK : Outcome.OK;
  }

  private long requestBytes(Call call) {
    if (call.to().protocol() == Protocol.GRPC) {
      return Math.max(5, lognormal(250, 0.5));
    }
    return "GET".equals(call.method()) ? 0 : Math.max(2, lognormal(700, 0.5));
  }

  /** Round trip added by the network: pod to pod, across clusters, across networks. */
  private long networkOverhead(int srcCluster, int dstCluster) {
    if (srcCluster == dstCluster) {
      return 300_000 + traffic.nextLong(300_000);
    }
    List<Cluster> cs = topology.clusters();
    if (cs.get(srcCluster).network().equals(cs.get(dstCluster).network())) {
      return 1_200_000 + traffic.nextLong(800_000);
    }
    return 25_000_000 + traffic.nextLong(10_000_000);
  }

  private PodState pick(Workload w) {
    List<Pod> ps = topology.podsOf(w);
    return pods[ps.get(traffic.nextInt(ps.size())).index()];
  }

  private int ephemeralPort() {
    return 32768 + ids.nextInt(28231);
  }

  private long spanId() {
    long id;
    do {
      id = ids.nextLong();
    } while (id == 0);
    return id;
  }

  private void accessLog(
      PodState p, AccessLogFormat.Entry e, long durationNanos, Trace trace, long spanId) {
    switch (p.shipping) {
      case FLUENT_BIT_JSON -> {
        // The forwarder stamps the line with the time Envoy wrote it: at the end of the request.
        tickLines.add(
            logFormat.fluentBit(
                logFormat.typedJson(e), e.startNanos + durationNanos, p.kubernetesJson()));
        tickLineClusters.add(p.workload.cluster());
        count(p.tenant)[1]++;
      }
      case RAW_LEGACY_JSON -> {
        tickLines.add(logFormat.legacyJson(e));
        tickLineClusters.add(p.workload.cluster());
        count(p.tenant)[1]++;
      }
      case OTLP_TEXT -> {
        LogRecord.Builder r =
            LogRecord.newBuilder()
                .setTimeUnixNano(e.startNanos)
                .setBody(AnyValue.newBuilder().setStringValue(logFormat.text(e)))
                .addAllAttributes(p.logAttributes(otlp));
        if (trace != null && trace.sampled) {
          r.setTraceId(trace.traceId).setSpanId(Ids.spanId(spanId));
        }
        p.logRecords.add(r.build());
        count(p.tenant)[2]++;
      }
      default -> throw new IllegalStateException("unknown shipping " + p.shipping);
    }
  }

  private long[] count(String tenant) {
    long[] c = tickTelemetryByTenant.get(tenant);
    if (c == null) {
      c = new long[3]; // spans, access log lines, OTLP log records
      tickTelemetryByTenant.put(tenant, c);
    }
    return c;
  }

  private Span span(
      PodState p,
      Trace trace,
      long spanId,
      long parentSpanId,
      String name,
      Span.SpanKind kind,
      long start,
      long duration,
      CallInfo info,
      String method,
      String status,
      String flags,
      String upstreamCluster,
      String peerAddress,
      String userAgent,
      long requestBytes,
      long responseBytes,
      boolean error) {
    Span.Builder b =
        Span.newBuilder()
            .setTraceId(trace.traceId)
            .setSpanId(Ids.spanId(spanId))
            .setName(name)
            .setKind(kind)
            .setStartTimeUnixNano(start)
            .setEndTimeUnixNano(start + duration)
            .addAllAttributes(p.spanAttributes(otlp))
            .addAttributes(otlp.kv("http.method", method))
            .addAttributes(Otlp.stringKv("http.url", info.url))
            .addAttributes(otlp.kv("http.protocol", info.protocol))
            .addAttributes(otlp.kv("http.status_code", status))
            .addAttributes(otlp.kv("response_flags", flags))
            .addAttributes(otlp.kv("upstream_cluster", upstreamCluster))
            .addAttributes(otlp.kv("upstream_cluster.name", upstreamCluster))
            .addAttributes(otlp.kv("downstream_cluster", "-"))
            .addAttributes(otlp.kv("user_agent", userAgent))
            .addAttributes(Otlp.stringKv("peer.address", peerAddress))
            .addAttributes(Otlp.stringKv("request_size", Long.toString(requestBytes)))
            .addAttributes(Otlp.stringKv("response_size", Long.toString(responseBytes)))
            .addAttributes(Otlp.stringKv("guid:x-request-id", trace.requestId));
    if (parentSpanId != 0) {
      b.setParentSpanId(Ids.spanId(parentSpanId));
    }
    if (error) {
      b.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }
    count(p.tenant)[0]++;
    return b.build();
  }

  // ------------------------------------------------------------------ istio labels

  /** Istio's standard labels of an HTTP/gRPC series, sorted by name as Prometheus has them. */
  List<KeyValue> httpLabels(
      boolean sourceReporter,
      Workload srcW,
      Workload dstW,
      Service dst,
      int code,
      String grpc,
      String flags,
      String policy,
      String callPolicy) {
    String[] kv = istioLabels(sourceReporter, srcW, dstW, dst, flags, policy, callPolicy, true);
    kv[kv.length - 4] = "response_code";
    kv[kv.length - 3] = Integer.toString(code);
    kv[kv.length - 2] = "grpc_response_status";
    kv[kv.length - 1] = grpc;
    return otlp.sortedAttrs(kv);
  }

  /** Istio's standard labels of a TCP series (no response code or gRPC status). */
  List<KeyValue> tcpLabels(
      boolean sourceReporter,
      Workload srcW,
      Workload dstW,
      Service dst,
      String policy,
      String callPolicy) {
    return otlp.sortedAttrs(
        istioLabels(sourceReporter, srcW, dstW, dst, "-", policy, callPolicy, false));
  }

  /** Labels the east-west gateway reports for what it passes through (SNI passthrough). */
  List<KeyValue> eastWestLabels(Workload gateway, Workload dstW, Service dst) {
    String[] kv = istioLabels(true, gateway, dstW, dst, "-", UNKNOWN, "none", false);
    // The gateway learns the destination from the endpoint metadata, not from an mTLS peer.
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i].equals("destination_principal")) {
        kv[i + 1] = UNKNOWN;
      }
    }
    return otlp.sortedAttrs(kv);
  }

  private static String[] istioLabels(
      boolean sourceReporter,
      Workload srcW,
      Workload dstW,
      Service dst,
      String flags,
      String policy,
      String callPolicy,
      boolean http) {
    boolean mtls = "mutual_tls".equals(callPolicy);
    boolean known = dstW != null;
    String[] kv = {
      "reporter",
      sourceReporter ? "source" : "destination",
      "source_workload",
      srcW.name(),
      "source_canonical_service",
      srcW.app(),
      "source_canonical_revision",
      srcW.canonicalRevision(),
      "source_workload_namespace",
      srcW.namespace(),
      "source_principal",
      mtls ? srcW.service().principal() : UNKNOWN,
      "source_app",
      srcW.app(),
      "source_version",
      srcW.version(),
      "source_cluster",
      srcW.cluster(),
      "destination_workload",
      known ? dstW.name() : UNKNOWN,
      "destination_workload_namespace",
      known ? dstW.namespace() : UNKNOWN,
      "destination_principal",
      known && mtls ? dst.principal() : UNKNOWN,
      "destination_app",
      known ? dstW.app() : UNKNOWN,
      "destination_version",
      known ? dstW.version() : UNKNOWN,
      "destination_service",
      dst.fqdn(),
      "destination_canonical_service",
      known ? dstW.app() : UNKNOWN,
      "destination_canonical_revision",
      known ? dstW.canonicalRevision() : "latest",
      "destination_service_name",
      dst.name(),
      "destination_service_namespace",
      dst.namespace(),
      "destination_cluster",
      known ? dstW.cluster() : UNKNOWN,
      "request_protocol",
      http ? dst.protocol().label() : "tcp",
      "response_flags",
      flags,
      "connection_security_policy",
      policy,
      // Room for response_code and grpc_response_status (HTTP only).
      "",
      "",
      "",
      ""
    };
    return http ? kv : Arrays.copyOf(kv, kv.length - 4);
  }

  // ------------------------------------------------------------------ control plane

  private void advanceIstiods(long from, long to) {
    double dt = (to - from) / (double) NANOS_PER_SECOND;
    if (dt <= 0) {
      return;
    }
    // Endpoint changes of the failover episode reach every control plane (multi-primary: each
    // istiod watches every cluster's endpoints).
    int failoverEvents = 0;
    for (long boundary : new long[] {foStart, foEject, foEnd}) {
      if (boundary > from && boundary <= to && foStart < foEnd) {
        failoverEvents++;
      }
    }
    for (IstiodState s : istiods) {
      long full = poisson(control, dt / 600.0);
      long eds = poisson(control, dt / 45.0) + failoverEvents;
      s.pushes[0] += full * s.proxies;
      s.pushes[1] += (full + eds) * s.proxies;
      s.pushes[2] += full * s.proxies;
      s.pushes[3] += full * s.proxies;
      long observations = Math.min((full + eds) * s.proxies, 5_000);
      for (long i = 0; i < observations; i++) {
        double v = 0.08 * Math.exp(0.9 * control.nextGaussian());
        s.convergence[Otlp.bucket(Otlp.CONVERGENCE_BOUNDS, v)]++;
        s.convergenceSum += v;
        s.convergenceCount++;
      }
      s.pushEventsLastTick = full + eds;
      s.internalErrors += poisson(control, dt / 3600.0);
      s.contextErrors += poisson(control, dt / 7200.0);
    }
  }

  // ------------------------------------------------------------------ output

  private TickOutput buildOutput(long now, double dtSeconds) {
    List<ExportMetricsServiceRequest> metrics = new ArrayList<>();
    List<ExportTraceServiceRequest> spans = new ArrayList<>();
    List<ExportLogsServiceRequest> logs = new ArrayList<>();
    MetricsWriter mw = new MetricsWriter(otlp, now);
    for (Cluster c : topology.clusters()) {
      List<PodState> cps = podsByCluster.get(c.index());
      MetricBatches mb = new MetricBatches(metrics);
      for (PodState p : cps) {
        if (p.http != null || p.tcp != null) {
          ResourceMetrics rm =
              mw.istioProxy(p.prometheusResource(otlp), p.pod.startTime(), p.http, p.tcp);
          mb.add(rm, mw.lastPoints);
        }
      }
      IstiodState is = istiods[c.index()];
      mb.add(mw.istiod(is.pod.prometheusResource(otlp), is), mw.lastPoints);
      for (PodState p : cps) {
        Usage u = usage(p, now, dtSeconds);
        mb.add(mw.podUsage(p.podResource(otlp), p.pod.startTime(), u.cpu(), u.memory()), 2);
        if (!p.workload.isGateway()) {
          mb.add(
              mw.containerUsage(
                  p.appContainerResource(otlp),
                  p.pod.startTime(),
                  u.appCpu,
                  u.appMemory,
                  p.appRequests),
              6);
        }
        if (p.hasProxy()) {
          mb.add(
              mw.containerUsage(
                  p.proxyContainerResource(otlp),
                  p.pod.startTime(),
                  u.proxyCpu,
                  u.proxyMemory,
                  ContainerRequests.ISTIO_PROXY),
              6);
        }
        truth.setPodUsage(
            new PodUsage(
                c.name(),
                p.pod.namespace(),
                p.pod.name(),
                p.tenant,
                u.cpu(),
                u.proxyCpu,
                u.memory(),
                u.proxyMemory));
        p.inbound = 0;
        p.outbound = 0;
      }
      for (QuotaState q : quotas) {
        if (q.cluster.equals(c.name())) {
          mb.add(mw.quota(q.resource, q.hard, q.used), 2 * q.hard.size());
          truth.setQuota(new GroundTruth.QuotaUsage(q.cluster, q.namespace, q.hard, q.used));
        }
      }
      mb.flush();

      ExportTraceServiceRequest.Builder tb = ExportTraceServiceRequest.newBuilder();
      int items = 0;
      for (PodState p : cps) {
        if (p.spans.isEmpty()) {
          continue;
        }
        tb.addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(p.spanResource(otlp))
                .addScopeSpans(
                    ScopeSpans.newBuilder().setScope(Otlp.ENVOY_SCOPE).addAllSpans(p.spans)));
        items += p.spans.size();
        p.spans.clear();
        if (items >= BATCH_ITEMS) {
          spans.add(tb.build());
          tb = ExportTraceServiceRequest.newBuilder();
          items = 0;
        }
      }
      if (tb.getResourceSpansCount() > 0) {
        spans.add(tb.build());
      }

      ExportLogsServiceRequest.Builder lb = ExportLogsServiceRequest.newBuilder();
      items = 0;
      for (PodState p : cps) {
        if (p.logRecords.isEmpty()) {
          continue;
        }
        lb.addResourceLogs(
            ResourceLogs.newBuilder()
                .setResource(p.logResource(otlp))
                .addScopeLogs(
                    ScopeLogs.newBuilder()
                        .setScope(Otlp.ENVOY_SCOPE)
                        .addAllLogRecords(p.logRecords)));
        items += p.logRecords.size();
        p.logRecords.clear();
        if (items >= BATCH_ITEMS) {
          logs.add(lb.build());
          lb = ExportLogsServiceRequest.newBuilder();
          items = 0;
        }
      }
      if (lb.getResourceLogsCount() > 0) {
        logs.add(lb.build());
      }
    }
    TickOutput out = new TickOutput(metrics, spans, logs, tickLines, tickLineClusters);
    tickLines.clear();
    tickLineClusters.clear();
    return out;
  }

  /** Usage of one pod over the last interval; CPU follows the requests it handled. */
  private Usage usage(PodState p, long now, double dt) {
    double rateIn = dt > 0 ? p.inbound / dt : 0;
    double rateOut = dt > 0 ? p.outbound / dt : 0;
    p.memoryDrift = Math.max(0.9, Math.min(1.15, p.memoryDrift + 0.004 * usage.nextGaussian()));
    Usage u = new Usage();
    ServiceProfile prof = p.workload.service().profile();
    switch (p.workload.kind()) {
      case SIDECAR -> {
        double app = prof.cpuBaseCores() + prof.cpuCoresPerRps() * rateIn;
        if (p.workload == failedWorkload && now >= foStart && now < foEnd) {
          app = 0.0005; // crash-looping app
        }
        u.appCpu =
            cores(app * (1 + 0.06 * usage.nextGaussian()), 0.0002, 2 * prof.cpuRequestCores());
        u.appMemory = (long) (prof.memoryBaseBytes() * p.memoryDrift) + (long) (4096 * rateIn);
        u.proxyCpu =
            cores(
                (0.003 + 0.00035 * (rateIn + rateOut)) * (1 + 0.05 * usage.nextGaussian()),
                0.0005,
                2.0);
        u.proxyMemory =
            46 * MIB + (long) (48 * 1024 * (rateIn + rateOut)) + 24 * 1024L * p.seriesCount();
      }
      case INGRESS_GATEWAY, EASTWEST_GATEWAY -> {
        u.proxyCpu =
            cores(
                (0.006 + 0.0005 * (rateIn + rateOut)) * (1 + 0.05 * usage.nextGaussian()),
                0.001,
                2.0);
        u.proxyMemory =
            (long) (60 * MIB * p.memoryDrift)
                + (long) (32 * 1024 * (rateIn + rateOut))
                + 24 * 1024L * p.seriesCount();
      }
      case ISTIOD -> {
        IstiodState s = istiods[p.clusterIndex];
        double pushRate = dt > 0 ? s.pushEventsLastTick * s.proxies / dt : 0;
        u.appCpu =
            cores(
                (0.02 + 0.00002 * s.proxies + 0.0002 * pushRate)
                    * (1 + 0.05 * usage.nextGaussian()),
                0.005,
                4.0);
        u.appMemory = (long) ((180 * MIB + 300 * 1024L * s.proxies) * p.memoryDrift);
      }
      case NO_PROXY -> {
        u.appCpu = cores(prof.cpuBaseCores() * (1 + 0.1 * usage.nextGaussian()), 0.0005, 1.0);
        u.appMemory = (long) (prof.memoryBaseBytes() * p.memoryDrift);
      }
      default -> throw new IllegalStateException("unknown kind " + p.workload.kind());
    }
    return u;
  }

  /** Kubelet reports nanocores: keep nine decimals so totals stay exact sums. */
  private static double cores(double v, double min, double max) {
    double c = Math.max(min, Math.min(max, v));
    return Math.round(c * 1e9) / 1e9;
  }

  private QuotaState[] buildQuotas() {
    Map<String, QuotaState> byNs = new LinkedHashMap<>();
    for (PodState p : pods) {
      String tenant = p.tenant;
      if (tenant.equals(MeshTopology.PLATFORM_TENANT)
          || tenant.equals(MeshTopology.UNASSIGNED_TENANT)) {
        continue;
      }
      String key = p.workload.cluster() + "/" + p.pod.namespace();
      QuotaState q =
          byNs.computeIfAbsent(
              key, k -> new QuotaState(p.workload.cluster(), p.pod.namespace(), otlp));
      q.addPod();
      if (!p.workload.isGateway()) {
        q.add(p.appRequests);
      }
      if (p.hasProxy()) {
        q.add(ContainerRequests.ISTIO_PROXY);
      }
    }
    for (QuotaState q : byNs.values()) {
      q.seal();
    }
    return byNs.values().toArray(new QuotaState[0]);
  }

  private void flushGroundTruth(Instant now) {
    for (Map.Entry<EdgeKey, long[]> e : tickRequests.entrySet()) {
      truth.addRequests(e.getKey(), e.getValue()[0], e.getValue()[1]);
    }
    for (Map.Entry<EdgeKey, long[]> e : tickTcp.entrySet()) {
      truth.addTcp(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]);
    }
    for (int i = 0; i < tickEastWest.length; i++) {
      if (tickEastWest[i] > 0) {
        truth.addEastWest(topology.clusters().get(i).name(), tickEastWest[i]);
      }
    }
    truth.addFailedOver(tickFailedOver);
    for (Cluster c : topology.clusters()) {
      IstiodState s = istiods[c.index()];
      truth.setIstiod(
          new GroundTruth.Istiod(
              c.name(),
              s.proxies,
              Arrays.stream(s.pushes).sum(),
              s.internalErrors,
              s.contextErrors,
              s.convergence.clone(),
              MetricsWriter.rootCertExpiry(s)));
    }
    for (Map.Entry<String, long[]> e : tickTelemetryByTenant.entrySet()) {
      long[] c = e.getValue();
      if (c[0] > 0) {
        truth.addSpans(e.getKey(), c[0]);
      }
      if (c[1] > 0) {
        truth.addAccessLogLines(e.getKey(), c[1]);
      }
      if (c[2] > 0) {
        truth.addOtlpLogRecords(e.getKey(), c[2]);
      }
    }
    tickRequests.clear();
    tickTcp.clear();
    Arrays.fill(tickEastWest, 0);
    tickFailedOver = 0;
    tickTelemetryByTenant.clear();
    truth.tickDone(now);
  }

  // ------------------------------------------------------------------ randomness

  /** Poisson-distributed count (normal approximation for large means). */
  static long poisson(SplittableRandom rng, double mean) {
    if (!(mean > 0)) {
      return 0;
    }
    if (mean < 40) {
      double limit = Math.exp(-mean);
      double p = 1;
      long k = -1;
      do {
        k++;
        p *= rng.nextDouble();
      } while (p > limit);
      return k;
    }
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.nextGaussian()));
  }

  private long lognormal(double median, double sigma) {
    return Math.round(median * Math.exp(sigma * traffic.nextGaussian()));
  }

  private long lognormalNanos(double medianMs, double sigma) {
    return Math.max(50_000, Math.round(medianMs * 1e6 * Math.exp(sigma * traffic.nextGaussian())));
  }

  private static long nanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS_PER_SECOND), t.getNano());
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, NANOS_PER_SECOND), Math.floorMod(nanos, NANOS_PER_SECOND));
  }

  // ------------------------------------------------------------------ state holders

  /** Per root request: ids that travel with it through every hop. */
  private static final class Trace {
    String requestId;
    boolean sampled;
    ByteString traceId;
    String userAgent;
  }

  /** CPU and memory of one pod for one tick. */
  private static final class Usage {
    double appCpu;
    double proxyCpu;
    long appMemory;
    long proxyMemory;

    double cpu() {
      return appCpu + proxyCpu;
    }

    long memory() {
      return appMemory + proxyMemory;
    }
  }

  /** Strings of a call that do not change between requests. */
  private static final class CallInfo {
    final String authority;
    final String url;
    final String spanName;
    final String protocol;
    final String outboundCluster;
    final String inboundCluster;
    final String serverName;
    final boolean mtls;

    CallInfo(Call c, Otlp otlp) {
      Service to = c.to();
      boolean fromGateway = c.from().kind() == WorkloadKind.INGRESS_GATEWAY;
      if (fromGateway) {
        // Outside clients use the public host name of the tenant's site.
        authority = to.namespace() + ".example.com";
      } else if (c.from().namespace().equals(to.namespace())) {
        authority = to.name() + ":" + to.port();
      } else {
        authority = to.name() + "." + to.namespace() + ":" + to.port();
      }
      url = "http://" + authority + c.path();
      spanName = to.fqdn() + ":" + to.port() + (fromGateway ? c.path() : "/*");
      protocol = to.protocol() == Protocol.GRPC ? "HTTP/2" : "HTTP/1.1";
      outboundCluster = "outbound|" + to.port() + "||" + to.fqdn();
      inboundCluster = "inbound|" + to.port() + "||";
      serverName = "outbound_." + to.port() + "_._." + to.fqdn();
      mtls = "mutual_tls".equals(c.securityPolicy());
    }
  }

  /** Requests and limits of one container (limits are twice the requests for apps). */
  record ContainerRequests(
      double cpuRequest, double cpuLimit, long memoryRequest, long memoryLimit) {
    /** Istio's default sidecar resources. */
    static final ContainerRequests ISTIO_PROXY =
        new ContainerRequests(0.1, 2.0, 128 * MIB, 1024 * MIB);
  }

  /**
   * What happens to one HTTP/gRPC call, from each proxy's point of view.
   *
   * @param reached whether a destination sidecar saw the request
   * @param appRuns whether the destination app handled it (not denied, not down)
   * @param fanOut whether the app goes on to make its own calls (successful requests only)
   * @param body fixed response body size, or -1 for the service's usual size
   */
  private record Outcome(
      int code,
      String grpc,
      String srcFlags,
      String dstFlags,
      String srcDetails,
      String dstDetails,
      String dstTransportFailure,
      boolean reached,
      boolean appRuns,
      boolean fanOut,
      long body) {
    static final String VIA = "via_upstream";
    static final Outcome OK = new Outcome(200, "", "-", "-", VIA, VIA, null, true, true, true, -1);
    static final Outcome NOT_FOUND =
        new Outcome(404, "", "-", "-", VIA, VIA, null, true, true, false, 19);
    static final Outcome ERR_500 =
        new Outcome(500, "", "-", "-", VIA, VIA, null, true, true, false, 21);
    static final Outcome ERR_503 =
        new Outcome(503, "", "-", "-", VIA, VIA, null, true, true, false, 19);
    static final Outcome RBAC =
        new Outcome(
            403,
            "",
            "-",
            "-",
            VIA,
            "rbac_access_denied_matched_policy[none]",
            null,
            true,
            false,
            false,
            19);
    static final Outcome UF =
        new Outcome(
            503,
            "",
            "-",
            "UF",
            VIA,
            "upstream_reset_before_response_started{connection_failure}",
            "delayed_connect_error:_Connection_refused",
            true,
            false,
            false,
            91);
    static final Outcome UH =
        new Outcome(503, "", "UH", "-", "no_healthy_upstream", null, null, false, false, false, 19);
    // gRPC answers errors with HTTP 200 and the status in grpc-status.
    static final Outcome GRPC_OK =
        new Outcome(200, "0", "-", "-", VIA, VIA, null, true, true, true, -1);
    static final Outcome GRPC_NOT_FOUND =
        new Outcome(200, "5", "-", "-", VIA, VIA, null, true, true, false, 0);
    static final Outcome GRPC_INTERNAL =
        new Outcome(200, "13", "-", "-", VIA, VIA, null, true, true, false, 0);
    static final Outcome GRPC_UNAVAILABLE =
        new Outcome(200, "14", "-", "-", VIA, VIA, null, true, true, false, 0);
    static final Outcome GRPC_RBAC =
        new Outcome(
            200,
            "7",
            "-",
            "-",
            VIA,
            "rbac_access_denied_matched_policy[none]",
            null,
            true,
            false,
            false,
            0);
  }

  /** Runtime state of one pod: its series, this tick's activity and telemetry, cached parts. */
  private static final class PodState {
    final Pod pod;
    final Workload workload;
    final int clusterIndex;
    final String tenant;
    final AccessLogShipping shipping;
    final ContainerRequests appRequests;
    LinkedHashMap<EdgeSeries.Key, EdgeSeries.Http> http;
    LinkedHashMap<EdgeSeries.Key, EdgeSeries.Tcp> tcp;
    long inbound;
    long outbound;
    double memoryDrift = 1.0;
    final List<Span> spans = new ArrayList<>();
    final List<LogRecord> logRecords = new ArrayList<>();
    private Resource prometheusResource;
    private Resource podResource;
    private Resource appContainerResource;
    private Resource proxyContainerResource;
    private Resource spanResource;
    private Resource logResource;
    private List<KeyValue> spanAttributes;
    private List<KeyValue> logAttributes;
    private String kubernetesJson;

    PodState(Pod pod, int clusterIndex, String tenant, AccessLogShipping shipping) {
      this.pod = pod;
      this.workload = pod.workload();
      this.clusterIndex = clusterIndex;
      this.tenant = tenant;
      this.shipping = shipping;
      ServiceProfile p = workload.service().profile();
      this.appRequests =
          new ContainerRequests(
              p.cpuRequestCores(),
              2 * p.cpuRequestCores(),
              p.memoryRequestBytes(),
              2 * p.memoryRequestBytes());
    }

    boolean hasProxy() {
      return workload.hasProxy();
    }

    int seriesCount() {
      return (http == null ? 0 : http.size()) + (tcp == null ? 0 : tcp.size());
    }

    EdgeSeries.Http http(
        EdgeSeries.Key k,
        MeshSimulator sim,
        Workload srcW,
        Workload dstW,
        Service dst,
        String callPolicy) {
      if (http == null) {
        http = new LinkedHashMap<>();
      }
      EdgeSeries.Http s = http.get(k);
      if (s == null) {
        s =
            new EdgeSeries.Http(
                sim.httpLabels(
                    k.source(),
                    srcW,
                    dstW,
                    dst,
                    k.code(),
                    k.grpcStatus(),
                    k.flags(),
                    k.policy(),
                    callPolicy));
        http.put(k, s);
      }
      return s;
    }

    EdgeSeries.Tcp tcp(
        EdgeSeries.Key k,
        MeshSimulator sim,
        Workload srcW,
        Workload dstW,
        Service dst,
        String callPolicy) {
      if (tcp == null) {
        tcp = new LinkedHashMap<>();
      }
      EdgeSeries.Tcp s = tcp.get(k);
      if (s == null) {
        s = new EdgeSeries.Tcp(sim.tcpLabels(k.source(), srcW, dstW, dst, k.policy(), callPolicy));
        tcp.put(k, s);
      }
      return s;
    }

    /** The series of traffic this east-west gateway pod passes to {@code dstW}. */
    EdgeSeries.Tcp eastWest(Workload dstW, Service dst, MeshSimulator sim) {
      if (tcp == null) {
        tcp = new LinkedHashMap<>();
      }
      EdgeSeries.Key k = new EdgeSeries.Key(true, dstW.id(), dst.id(), 0, "", "-", UNKNOWN);
      EdgeSeries.Tcp s = tcp.get(k);
      if (s == null) {
        s = new EdgeSeries.Tcp(sim.eastWestLabels(workload, dstW, dst));
        tcp.put(k, s);
      }
      return s;
    }

    /** Resource of the Prometheus receiver's scrape of this pod (job kubernetes-pods). */
    Resource prometheusResource(Otlp otlp) {
      if (prometheusResource == null) {
        boolean istiod = workload.kind() == WorkloadKind.ISTIOD;
        String port = istiod ? "15014" : "15020";
        prometheusResource =
            otlp.resource(
                "service.name",
                istiod ? "istiod" : "kubernetes-pods",
                "service.instance.id",
                pod.ip() + ":" + port,
                "server.address",
                pod.ip(),
                "server.port",
                port,
                "url.scheme",
                "http",
                "k8s.cluster.name",
                workload.cluster(),
                "k8s.namespace.name",
                pod.namespace(),
                "k8s.pod.name",
                pod.name());
      }
      return prometheusResource;
    }

    Resource podResource(Otlp otlp) {
      if (podResource == null) {
        podResource =
            otlp.resource(
                "k8s.cluster.name", workload.cluster(),
                "k8s.namespace.name", pod.namespace(),
                "k8s.pod.name", pod.name(),
                "k8s.pod.uid", pod.uid(),
                "k8s.node.name", pod.node());
      }
      return podResource;
    }

    /** The main container: the app ({@code discovery} for istiod); gateways have none. */
    Resource appContainerResource(Otlp otlp) {
      if (appContainerResource == null) {
        String name = workload.kind() == WorkloadKind.ISTIOD ? "discovery" : workload.app();
        appContainerResource = containerResource(otlp, name);
      }
      return appContainerResource;
    }

    Resource proxyContainerResource(Otlp otlp) {
      if (proxyContainerResource == null) {
        proxyContainerResource = containerResource(otlp, "istio-proxy");
      }
      return proxyContainerResource;
    }

    private Resource containerResource(Otlp otlp, String container) {
      return otlp.resource(
          "k8s.cluster.name", workload.cluster(),
          "k8s.namespace.name", pod.namespace(),
          "k8s.pod.name", pod.name(),
          "k8s.pod.uid", pod.uid(),
          "k8s.node.name", pod.node(),
          "k8s.container.name", container);
    }

    /** Envoy's tracer sets only service.name, {@code <app>.<namespace>}. */
    Resource spanResource(Otlp otlp) {
      if (spanResource == null) {
        spanResource = otlp.resource("service.name", workload.app() + "." + pod.namespace());
      }
      return spanResource;
    }

    /** Envoy's OpenTelemetry access logger resource: its own fields, no Kubernetes ones. */
    Resource logResource(Otlp otlp) {
      if (logResource == null) {
        logResource =
            otlp.resource(
                "log_name",
                "otel_envoy_accesslog",
                "zone_name",
                "",
                "cluster_name",
                workload.app() + "." + pod.namespace(),
                "node_name",
                pod.nodeId());
      }
      return logResource;
    }

    /** Attributes Istio's tracing config puts on every span of this proxy. */
    List<KeyValue> spanAttributes(Otlp otlp) {
      if (spanAttributes == null) {
        spanAttributes =
            otlp.attrs(
                "node_id", pod.nodeId(),
                "istio.canonical_service", workload.app(),
                "istio.canonical_revision", workload.canonicalRevision(),
                "istio.mesh_id", MeshTopology.MESH_ID,
                "istio.namespace", pod.namespace(),
                "istio.cluster_id", workload.cluster(),
                "component", "proxy",
                "net.host.ip", pod.ip());
      }
      return spanAttributes;
    }

    /** Labels of Istio's envoyOtelAls sample: pod, namespace, cluster, mesh. */
    List<KeyValue> logAttributes(Otlp otlp) {
      if (logAttributes == null) {
        logAttributes =
            otlp.attrs(
                "pod", pod.name(),
                "namespace", pod.namespace(),
                "cluster", workload.cluster(),
                "mesh", MeshTopology.MESH_ID);
      }
      return logAttributes;
    }

    String kubernetesJson() {
      if (kubernetesJson == null) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app", workload.app());
        labels.put("pod-template-hash", workload.templateHash());
        if (!workload.isGateway()) {
          labels.put("version", workload.version());
          labels.put("security.istio.io/tlsMode", "istio");
        } else {
          labels.put("istio", "ingressgateway");
        }
        labels.put("service.istio.io/canonical-name", workload.app());
        labels.put("service.istio.io/canonical-revision", workload.canonicalRevision());
        kubernetesJson =
            AccessLogFormat.kubernetesJson(
                pod.name(),
                pod.namespace(),
                pod.uid(),
                pod.node(),
                labels,
                "docker.io/istio/proxyv2:" + MeshTopology.ISTIO_VERSION);
      }
      return kubernetesJson;
    }
  }

  /** Cumulative istiod counters of one cluster. */
  static final class IstiodState {
    final PodState pod;
    final int proxies;
    final long[] pushes = new long[PUSH_TYPES.length];
    long internalErrors;
    long contextErrors;
    final long[] convergence = new long[Otlp.CONVERGENCE_BOUNDS.length + 1];
    double convergenceSum;
    long convergenceCount;
    long pushEventsLastTick;

    private IstiodState(PodState pod, int proxies) {
      this.pod = pod;
      this.proxies = proxies;
      // Every proxy got one push of each type when it connected.
      Arrays.fill(pushes, proxies);
    }

    Pod istiodPod() {
      return pod.pod;
    }
  }

  /** Quota of one tenant namespace in one cluster: hard limits with headroom, used = requests. */
  static final class QuotaState {
    final String cluster;
    final String namespace;
    final Resource resource;
    private double requestsCpu;
    private double limitsCpu;
    private long requestsMemory;
    private long limitsMemory;
    private long podCount;
    Map<String, Long> hard;
    Map<String, Long> used;

    QuotaState(String cluster, String namespace, Otlp otlp) {
      this.cluster = cluster;
      this.namespace = namespace;
      this.resource =
          otlp.resource(
              "k8s.cluster.name",
              cluster,
              "k8s.namespace.name",
              namespace,
              "k8s.resourcequota.name",
              namespace + "-quota",
              "k8s.resourcequota.uid",
              Ids.uuid(
                  (cluster + "/" + namespace).hashCode() * 0x9E3779B97F4A7C15L,
                  namespace.hashCode() * 0xC2B2AE3D27D4EB4FL));
    }

    void addPod() {
      podCount++;
    }

    void add(ContainerRequests r) {
      requestsCpu += r.cpuRequest();
      limitsCpu += r.cpuLimit();
      requestsMemory += r.memoryRequest();
      limitsMemory += r.memoryLimit();
    }

    /** CPU in millicores, as the k8s_cluster receiver reports quota CPU. */
    void seal() {
      Map<String, Long> u = new LinkedHashMap<>();
      u.put("requests.cpu", Math.round(requestsCpu * 1000));
      u.put("requests.memory", requestsMemory);
      u.put("limits.cpu", Math.round(limitsCpu * 1000));
      u.put("limits.memory", limitsMemory);
      u.put("pods", podCount);
      used = Collections.unmodifiableMap(u);
      Map<String, Long> h = new LinkedHashMap<>();
      h.put("requests.cpu", roundUp(Math.round(requestsCpu * 1500), 1000));
      h.put("requests.memory", roundUp(requestsMemory * 3 / 2, 1024 * MIB));
      h.put("limits.cpu", roundUp(Math.round(limitsCpu * 1500), 1000));
      h.put("limits.memory", roundUp(limitsMemory * 3 / 2, 1024 * MIB));
      h.put("pods", 2 * podCount + 10);
      hard = Collections.unmodifiableMap(h);
    }

    private static long roundUp(long v, long unit) {
      return (v + unit - 1) / unit * unit;
    }
  }
}
