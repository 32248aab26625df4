package io.meshlens.store;

import io.meshlens.model.Labels;
import io.meshlens.tenancy.AttributedSeries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.roaringbitmap.RoaringBitmap;

/**
 * The in-memory metric store: series identity, label postings, tenant-visibility postings and
 * samples.
 *
 * <p>Series get dense int ids; postings are {@link RoaringBitmap}s per label pair and per tenant,
 * so a tenant-scoped query starts from the tenant's bitmap and intersects with the selective
 * matchers before touching any series. Samples are appended in time order; a sample at or before a
 * series' last timestamp is dropped, which makes a Kafka replay of already-stored records
 * idempotent. Samples are kept compressed in XOR chunks ({@link XorChunk}).
 *
 * <p>Durability (offsets stored with the data) and time partitions come with the storage engine;
 * this store keeps everything in memory.
 */
public final class MetricStore implements SeriesReader {

  private static final byte[][] NO_CHUNKS = new byte[0][];
  private static final long[] NO_TIMES = new long[0];

  /**
   * Samples of one series, compressed as they arrive: Prometheus-style XOR chunks of up to 120
   * samples (about 1.3 bytes a sample instead of 16; docs/storage-spike.md). Guarded by its own
   * monitor: one writer (the partition's consumer), rare readers.
   */
  private static final class MemSeries {
    final int id;
    final Labels labels;

    /** Finished chunks, trimmed, oldest first, with their first and last timestamps. */
    byte[][] sealed = NO_CHUNKS;

    long[] sealedMinT = NO_TIMES;
    long[] sealedMaxT = NO_TIMES;
    XorChunk open;
    long openMinT;
    long lastT = Long.MIN_VALUE;

    MemSeries(int id, Labels labels) {
      this.id = id;
      this.labels = labels;
    }

    void append(long t, double v) {
      if (open == null) {
        open = new XorChunk(32);
        openMinT = t;
      }
      open.append(t, v);
      lastT = t;
      if (open.count() >= XorChunk.SAMPLES_PER_CHUNK) {
        int n = sealed.length;
        sealed = Arrays.copyOf(sealed, n + 1);
        sealedMinT = Arrays.copyOf(sealedMinT, n + 1);
        sealedMaxT = Arrays.copyOf(sealedMaxT, n + 1);
        sealed[n] = open.bytes();
        sealedMinT[n] = openMinT;
        sealedMaxT[n] = t;
        open = null;
      }
    }
  }

  private final Map<Labels, MemSeries> byLabels = new ConcurrentHashMap<>();
  private final ArrayList<MemSeries> byId = new ArrayList<>();
  private final Map<String, Map<String, RoaringBitmap>> postings = new HashMap<>();
  private final Map<String, RoaringBitmap> visibleTo = new HashMap<>();
  private final RoaringBitmap allIds = new RoaringBitmap();
  private final ReadWriteLock indexLock = new ReentrantReadWriteLock();
  private final LongAdder samples = new LongAdder();
  private final LongAdder duplicates = new LongAdder();

  /** The id of the series, creating it (and granting visibility) when new. */
  public int seriesId(AttributedSeries s) {
    MemSeries existing = byLabels.get(s.labels());
    if (existing != null && isVisibleToAll(existing.id, s)) {
      return existing.id;
    }
    indexLock.writeLock().lock();
    try {
      MemSeries ms = byLabels.get(s.labels());
      if (ms == null) {
        ms = new MemSeries(byId.size(), s.labels());
        byId.add(ms);
        int id = ms.id;
        allIds.add(id);
        s.labels()
            .forEach(
                (name, value) ->
                    postings
                        .computeIfAbsent(name, k -> new HashMap<>())
                        .computeIfAbsent(value, k -> new RoaringBitmap())
                        .add(id));
        byLabels.put(s.labels(), ms);
      }
      for (String tenant : s.visibleTo()) {
        visibleTo.computeIfAbsent(tenant, k -> new RoaringBitmap()).add(ms.id);
      }
      return ms.id;
    } finally {
      indexLock.writeLock().unlock();
    }
  }

  private boolean isVisibleToAll(int id, AttributedSeries s) {
    indexLock.readLock().lock();
    try {
      for (String tenant : s.visibleTo()) {
        RoaringBitmap b = visibleTo.get(tenant);
        if (b == null || !b.contains(id)) {
          return false;
        }
      }
      return true;
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /**
   * Appends a sample. Returns false (and stores nothing) when the series already has a sample at or
   * after {@code timestampMs}: replays and duplicates are absorbed here.
   */
  public boolean append(int seriesId, long timestampMs, double value) {
    MemSeries ms;
    indexLock.readLock().lock();
    try {
      ms = byId.get(seriesId);
    } finally {
      indexLock.readLock().unlock();
    }
    synchronized (ms) {
      if (ms.lastT >= timestampMs) {
        duplicates.increment();
        return false;
      }
      ms.append(timestampMs, value);
    }
    samples.increment();
    return true;
  }

  @Override
  public List<SeriesData> select(
      Scope scope, List<LabelMatcher> matchers, long minTimeMs, long maxTimeMs) {
    if (scope == null) {
      throw new IllegalArgumentException("a store read needs a scope");
    }
    List<MemSeries> candidates = new ArrayList<>();
    indexLock.readLock().lock();
    try {
      RoaringBitmap ids = scopeIds(scope);
      for (LabelMatcher m : matchers) {
        if (ids.isEmpty()) {
          break;
        }
        RoaringBitmap narrowed = postingsFor(m);
        if (narrowed != null) {
          ids = RoaringBitmap.and(ids, narrowed);
        }
      }
      ids.forEach((int id) -> candidates.add(byId.get(id)));
    } finally {
      indexLock.readLock().unlock();
    }
    List<SeriesData> out = new ArrayList<>();
    for (MemSeries ms : candidates) {
      if (!matchesAll(ms.labels, matchers)) {
        continue;
      }
      SeriesData data = slice(ms, minTimeMs, maxTimeMs);
      if (data != null) {
        out.add(data);
      }
    }
    out.sort(Comparator.comparing(SeriesData::labels));
    return out;
  }

  private RoaringBitmap scopeIds(Scope scope) {
    if (scope.isEverything()) {
      return allIds.clone();
    }
    RoaringBitmap ids = new RoaringBitmap();
    for (String tenant : scope.tenantSet()) {
      RoaringBitmap b = visibleTo.get(tenant);
      if (b != null) {
        ids.or(b);
      }
    }
    return ids;
  }

  /**
   * The ids a matcher can keep, from postings alone; null when the matcher accepts series lacking
   * the label (then only a per-series check can decide).
   */
  private RoaringBitmap postingsFor(LabelMatcher m) {
    if (m.matchesEmpty()) {
      return null;
    }
    Map<String, RoaringBitmap> values = postings.get(m.name());
    if (values == null) {
      return new RoaringBitmap();
    }
    if (m.type() == LabelMatcher.Type.EQUAL) {
      RoaringBitmap b = values.get(m.value());
      return b == null ? new RoaringBitmap() : b;
    }
    RoaringBitmap union = new RoaringBitmap();
    values.forEach(
        (value, b) -> {
          if (m.matches(value)) {
            union.or(b);
          }
        });
    return union;
  }

  private static boolean matchesAll(Labels labels, List<LabelMatcher> matchers) {
    for (LabelMatcher m : matchers) {
      if (!m.matches(labels.get(m.name()))) {
        return false;
      }
    }
    return true;
  }

  private static SeriesData slice(MemSeries ms, long minT, long maxT) {
    Samples out = new Samples();
    synchronized (ms) {
      for (int i = 0; i < ms.sealed.length; i++) {
        if (ms.sealedMaxT[i] >= minT && ms.sealedMinT[i] <= maxT) {
          out.addFrom(XorChunk.reader(ms.sealed[i]), minT, maxT);
        }
      }
      if (ms.open != null && ms.lastT >= minT && ms.openMinT <= maxT) {
        out.addFrom(XorChunk.reader(ms.open.buffer(), 0, ms.open.sizeBytes()), minT, maxT);
      }
    }
    return out.n == 0
        ? null
        : new SeriesData(ms.labels, Arrays.copyOf(out.ts, out.n), Arrays.copyOf(out.vs, out.n));
  }

  /** Decoded samples of one read, grown as needed. */
  private static final class Samples {
    long[] ts = new long[64];
    double[] vs = new double[64];
    int n;

    void addFrom(XorChunk.Reader r, long minT, long maxT) {
      while (r.next()) {
        long t = r.t();
        if (t > maxT) {
          return;
        }
        if (t >= minT) {
          if (n == ts.length) {
            ts = Arrays.copyOf(ts, n * 2);
            vs = Arrays.copyOf(vs, n * 2);
          }
          ts[n] = t;
          vs[n++] = r.v();
        }
      }
    }
  }

  public int seriesCount() {
    return byLabels.size();
  }

  public long sampleCount() {
    return samples.sum();
  }

  /** Samples refused because the series already had a sample at or after their timestamp. */
  public long duplicateCount() {
    return duplicates.sum();
  }
}
