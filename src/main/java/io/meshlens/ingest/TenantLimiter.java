package io.meshlens.ingest;

import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.tenancy.TenantLimits;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Enforces the tenants file's per-tenant ingest limits ({@link TenantLimits}) with one token bucket
 * per tenant and rate: a tenant may send {@code rate × burstSeconds} at once and {@code rate} per
 * second on average. What is over the limit is refused here and discarded by the caller with a
 * reason, so one noisy tenant cannot starve the others or the store.
 *
 * <p>Limits follow tenants-file reloads: buckets keep their fill and take the new rate.
 */
public final class TenantLimiter {

  /** Discard reasons, as {@code meshlens_discarded_total} shows them. */
  public static final String SERIES_LIMIT = "per_tenant_series_limit";

  public static final String SAMPLE_RATE_LIMIT = "per_tenant_sample_rate_limit";
  public static final String SPAN_RATE_LIMIT = "per_tenant_span_rate_limit";
  public static final String LOG_BYTES_RATE_LIMIT = "per_tenant_log_bytes_rate_limit";

  /** A token bucket; rate in units per second. */
  private static final class Bucket {
    private double rate = Double.NaN;
    private double capacity;
    private double tokens;
    private long lastNanos;

    synchronized boolean take(double n, double rate, double burstSeconds, long now) {
      if (rate != this.rate) {
        boolean fresh = Double.isNaN(this.rate);
        this.rate = rate;
        this.capacity = Math.max(rate * burstSeconds, 1);
        tokens = fresh ? capacity : Math.min(tokens, capacity);
        if (fresh) {
          lastNanos = now;
        }
      }
      tokens = Math.min(capacity, tokens + (now - lastNanos) / 1e9 * rate);
      lastNanos = now;
      if (tokens >= n) {
        tokens -= n;
        return true;
      }
      return false;
    }
  }

  private final Supplier<TenantDirectory> tenants;
  private final LongSupplier nanoClock;
  private volatile TenantDirectory cachedFor;
  private volatile Map<String, TenantLimits> limitsCache = new ConcurrentHashMap<>();
  private final Map<String, Bucket> samples = new ConcurrentHashMap<>();
  private final Map<String, Bucket> spans = new ConcurrentHashMap<>();
  private final Map<String, Bucket> logBytes = new ConcurrentHashMap<>();

  public TenantLimiter(Supplier<TenantDirectory> tenants) {
    this(tenants, System::nanoTime);
  }

  TenantLimiter(Supplier<TenantDirectory> tenants, LongSupplier nanoClock) {
    this.tenants = tenants;
    this.nanoClock = nanoClock;
  }

  private TenantLimits limits(String tenant) {
    TenantDirectory current = tenants.get();
    Map<String, TenantLimits> cache = limitsCache;
    if (current != cachedFor) {
      // A new tenants file: limits are looked up again (the hot path asks per sample).
      cache = new ConcurrentHashMap<>();
      limitsCache = cache;
      cachedFor = current;
    }
    return cache.computeIfAbsent(tenant, current::limitsOf);
  }

  /** Whether {@code tenant}, owning {@code owned} series now, may own one more. */
  public boolean allowNewSeries(String tenant, long owned) {
    Long max = limits(tenant).activeSeries();
    return max == null || owned < max;
  }

  /** Whether {@code tenant} has a sample rate limit. */
  public boolean limitsSamples(String tenant) {
    return limits(tenant).samplesPerSecond() != null;
  }

  /** Takes one metric sample from {@code tenant}'s allowance; false when over it. */
  public boolean allowSample(String tenant) {
    TenantLimits l = limits(tenant);
    return l.samplesPerSecond() == null || take(samples, tenant, 1, l.samplesPerSecond(), l);
  }

  /** Takes one span from {@code tenant}'s allowance; false when over it. */
  public boolean allowSpan(String tenant) {
    TenantLimits l = limits(tenant);
    return l.spansPerSecond() == null || take(spans, tenant, 1, l.spansPerSecond(), l);
  }

  /** Takes {@code bytes} of access log from {@code tenant}'s allowance; false when over it. */
  public boolean allowLogBytes(String tenant, int bytes) {
    TenantLimits l = limits(tenant);
    return l.logBytesPerSecond() == null || take(logBytes, tenant, bytes, l.logBytesPerSecond(), l);
  }

  private boolean take(
      Map<String, Bucket> buckets, String tenant, double n, double rate, TenantLimits l) {
    return buckets
        .computeIfAbsent(tenant, t -> new Bucket())
        .take(n, rate, l.burst(), nanoClock.getAsLong());
  }
}
