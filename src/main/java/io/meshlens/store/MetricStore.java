package io.meshlens.store;

import io.meshlens.model.Labels;
import io.meshlens.tenancy.AttributedSeries;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.roaringbitmap.IntIterator;
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
 * <p>Opened on a directory ({@link #open}), the store is durable: {@link #checkpoint} writes what
 * is new since the last checkpoint, with the Kafka offsets it covers, to a {@link MetricDatabase}
 * in one transaction; sealed chunks older than the head window then leave the heap and reads fetch
 * them from disk. At start-up the series, their tenant visibility, every series' last sample and
 * open chunk, and the offsets come back from disk, and Kafka replays the rest. Created with {@code
 * new MetricStore()}, it lives in memory only.
 */
public final class MetricStore implements SeriesReader, AutoCloseable {

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
    double lastV;

    /** How many of {@link #sealed}, from the oldest, are already on disk. */
    int persisted;

    /** Whether some of this series' chunks are on disk only. */
    boolean onDisk;

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
      lastV = v;
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

    /** Time of the oldest sample still in memory; later samples are all in memory. */
    long memStart() {
      if (sealed.length > 0) {
        return sealedMinT[0];
      }
      return open != null ? openMinT : Long.MAX_VALUE;
    }
  }

  private final Map<Labels, MemSeries> byLabels = new ConcurrentHashMap<>();
  private final Map<String, String> symbols = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> seriesByTenant = new ConcurrentHashMap<>();
  private final ArrayList<MemSeries> byId = new ArrayList<>();
  private final Map<String, Map<String, RoaringBitmap>> postings = new HashMap<>();
  private final Map<String, RoaringBitmap> visibleTo = new HashMap<>();
  private final RoaringBitmap allIds = new RoaringBitmap();
  private final ReadWriteLock indexLock = new ReentrantReadWriteLock();
  private final LongAdder samples = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder resetZeros = new LongAdder();

  /** Null when the store lives in memory only. */
  private final MetricDatabase disk;

  private final PeerPrivacy privacy;

  private final Duration headWindow;
  private final Object checkpointLock = new Object();
  private final List<MetricDatabase.Grant> pendingGrants = new ArrayList<>();
  private final AtomicLong maxT = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong checkpoints = new AtomicLong();
  private final AtomicLong evictedChunks = new AtomicLong();
  private final AtomicLong diskChunkReads = new AtomicLong();
  private volatile int persistedSeries;

  /** {@link #samples} as of the last checkpoint written; -1 before the first. */
  private long samplesWritten = -1;

  private volatile boolean closed;
  private final java.util.concurrent.CompletableFuture<Void> headWindowLoaded =
      new java.util.concurrent.CompletableFuture<>();
  private volatile Map<String, Long> persistedOffsets = Map.of();

  /** A store in memory only: nothing survives the process. */
  public MetricStore() {
    this(PeerPrivacy.withRandomKey());
  }

  /** A store in memory only, with the given peer privacy. */
  public MetricStore(PeerPrivacy privacy) {
    this.disk = null;
    this.headWindow = Duration.ofDays(365_000);
    this.privacy = privacy;
    headWindowLoaded.complete(null);
  }

  private MetricStore(MetricDatabase disk, Duration headWindow, PeerPrivacy privacy) {
    this.disk = disk;
    this.headWindow = headWindow;
    this.privacy = privacy;
  }

  /**
   * Opens the durable store under {@code directory}, loading series identity, visibility, every
   * series' last sample and open chunk, and the stored Kafka offsets.
   *
   * @param headWindow how long sealed chunks stay on the heap after they are on disk
   */
  public static MetricStore open(Path directory, Duration headWindow) throws SQLException {
    return open(directory, headWindow, PeerPrivacy.withRandomKey());
  }

  /**
   * As {@link #open(Path, Duration)}, with the given peer privacy (see {@link PeerPrivacy}: what a
   * tenant sees of series another tenant's proxy reported).
   */
  public static MetricStore open(Path directory, Duration headWindow, PeerPrivacy privacy)
      throws SQLException {
    MetricDatabase db = new MetricDatabase(directory);
    try {
      MetricStore store = new MetricStore(db, headWindow, privacy);
      store.restore();
      return store;
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw e;
    }
  }

  private void restore() throws SQLException {
    for (MetricDatabase.SeriesRow row : disk.series()) {
      if (row.id() != byId.size()) {
        throw new IllegalStateException(
            "metric store: series ids are not contiguous at " + row.id() + " in " + disk);
      }
      MemSeries ms = new MemSeries(row.id(), intern(row.labels()));
      index(ms);
    }
    for (MetricDatabase.Grant g : disk.grants()) {
      visibleTo.computeIfAbsent(g.tenant(), k -> new RoaringBitmap()).add(g.id());
    }
    for (MetricDatabase.HeadRow h : disk.heads()) {
      MemSeries ms = byId.get(h.id());
      ms.lastT = h.lastT();
      ms.lastV = h.lastV();
      maxT.accumulateAndGet(h.lastT(), Math::max);
      if (h.chunk() != null) {
        XorChunk c = new XorChunk(h.chunk().length + 16);
        XorChunk.Reader r = XorChunk.reader(h.chunk());
        while (r.next()) {
          c.append(r.t(), r.v());
        }
        if (c.count() > 0) {
          ms.open = c;
          ms.openMinT = h.minT();
        }
      }
    }
    persistedSeries = byId.size();
    persistedOffsets = Map.copyOf(disk.offsets());
    if (maxT.get() != Long.MIN_VALUE) {
      recountActive(maxT.get() - ACTIVE_WINDOW_MS);
    }
    // Until the head window is back on the heap, every restored series reads the disk.
    for (MemSeries ms : byId) {
      ms.onDisk = true;
    }
    Thread loader =
        new Thread(
            () -> {
              try {
                synchronized (checkpointLock) {
                  if (!closed) {
                    loadHeadWindow();
                  }
                }
                headWindowLoaded.complete(null);
              } catch (Exception e) {
                headWindowLoaded.completeExceptionally(e);
              }
            },
            "meshlens-head-window-load");
    loader.setDaemon(true);
    loader.start();
  }

  /**
   * Completes once the sealed chunks of the last head window are back on the heap after start-up
   * (reads are served from disk until then); failures leave them on disk, where reads find them.
   */
  public java.util.concurrent.CompletableFuture<Void> headWindowLoaded() {
    return headWindowLoaded;
  }

  /**
   * Brings the sealed chunks of the last head window back onto the heap, so that dashboards read
   * the recent past from memory after a restart as before it; then marks which series still have
   * older chunks on disk only. Runs in the background after start-up, under the checkpoint lock,
   * while ingestion appends: chunks are put in front of what each series has on the heap by now.
   */
  private void loadHeadWindow() throws SQLException {
    long newest = maxT.get();
    List<MemSeries> all = allSeries();
    if (newest == Long.MIN_VALUE || all.isEmpty()) {
      return;
    }
    long from = newest - headMillis();
    RoaringBitmap ids = new RoaringBitmap();
    ids.add(0L, (long) persistedSeries);
    List<MetricDatabase.ChunkRow> rows = disk.chunks(ids, from, newest);
    int i = 0;
    while (i < rows.size()) {
      int id = rows.get(i).id();
      int j = i;
      while (j < rows.size() && rows.get(j).id() == id) {
        j++;
      }
      MemSeries ms = all.get(id);
      synchronized (ms) {
        long memStart = ms.memStart();
        List<MetricDatabase.ChunkRow> older = new ArrayList<>();
        for (MetricDatabase.ChunkRow r : rows.subList(i, j)) {
          if (r.minT() < memStart) {
            older.add(r);
          }
        }
        int n = older.size();
        int had = ms.sealed.length;
        byte[][] sealed = new byte[n + had][];
        long[] minT = new long[n + had];
        long[] maxTs = new long[n + had];
        for (int k = 0; k < n; k++) {
          sealed[k] = older.get(k).chunk();
          minT[k] = older.get(k).minT();
          maxTs[k] = older.get(k).maxT();
        }
        System.arraycopy(ms.sealed, 0, sealed, n, had);
        System.arraycopy(ms.sealedMinT, 0, minT, n, had);
        System.arraycopy(ms.sealedMaxT, 0, maxTs, n, had);
        ms.sealed = sealed;
        ms.sealedMinT = minT;
        ms.sealedMaxT = maxTs;
        ms.persisted += n;
      }
      i = j;
    }
    // Only series with chunks older than what is now on the heap need the disk on reads.
    long[] oldest = disk.oldestChunkStarts(persistedSeries);
    for (int id = 0; id < oldest.length; id++) {
      MemSeries ms = all.get(id);
      synchronized (ms) {
        ms.onDisk = oldest[id] < ms.memStart();
      }
    }
  }

  /**
   * The same labels with every name and value replaced by its one shared copy: a label string is
   * kept once however many series carry it (an Istio mesh repeats a few thousand strings across
   * millions of series).
   */
  public Labels intern(Labels labels) {
    String[] pairs = null;
    for (int i = 0; i < labels.size(); i++) {
      String name = symbol(labels.name(i));
      String value = symbol(labels.value(i));
      if (pairs == null && (name != labels.name(i) || value != labels.value(i))) {
        pairs = new String[labels.size() * 2];
        for (int j = 0; j < i; j++) {
          pairs[2 * j] = labels.name(j);
          pairs[2 * j + 1] = labels.value(j);
        }
      }
      if (pairs != null) {
        pairs[2 * i] = name;
        pairs[2 * i + 1] = value;
      }
    }
    // Label sets from the ingest path mostly hold the shared copies already (the first sight of a
    // string makes it the shared copy): then they are their own interned form.
    return pairs == null ? labels : Labels.of(pairs);
  }

  private String symbol(String s) {
    // Nearly every string is known already: a plain get does not lock the map's bin as
    // putIfAbsent does.
    String known = symbols.get(s);
    if (known != null) {
      return known;
    }
    known = symbols.putIfAbsent(s, s);
    return known == null ? s : known;
  }

  private void index(MemSeries ms) {
    byId.add(ms);
    int id = ms.id;
    allIds.add(id);
    ms.labels.forEach(
        (name, value) ->
            postings
                .computeIfAbsent(name, k -> new HashMap<>())
                .computeIfAbsent(value, k -> new RoaringBitmap())
                .add(id));
    byLabels.put(ms.labels, ms);
    String owner = ms.labels.get("tenant");
    seriesByTenant.computeIfAbsent(owner == null ? "" : owner, k -> new LongAdder()).increment();
  }

  /** Whether a series with exactly these labels exists. */
  public boolean contains(Labels labels) {
    return byLabels.containsKey(labels);
  }

  /**
   * Active series whose {@code tenant} label is {@code tenant}: those with a sample in the last
   * {@link #ACTIVE_WINDOW_MS} as of the last recount (each checkpoint recounts), plus every series
   * created since. Series of pods that are gone stop counting, so churn does not use up a tenant's
   * series limit.
   */
  public long seriesCountOf(String tenant) {
    LongAdder n = seriesByTenant.get(tenant);
    return n == null ? 0 : n.sum();
  }

  /** How long a series counts as active after its last sample (as Mimir's active series). */
  public static final long ACTIVE_WINDOW_MS = 20 * 60_000L;

  /** Recounts active series per owning tenant: those with a sample at or after {@code sinceMs}. */
  void recountActive(long sinceMs) {
    Map<String, Long> counts = new HashMap<>();
    for (MemSeries ms : allSeries()) {
      long last;
      synchronized (ms) {
        last = ms.lastT;
      }
      if (last != Long.MIN_VALUE && last >= sinceMs) {
        String owner = ms.labels.get("tenant");
        counts.merge(owner == null ? "" : owner, 1L, Long::sum);
      }
    }
    // Series created while counting are over-counted until the next recount: safe for a limit.
    for (Map.Entry<String, LongAdder> e : seriesByTenant.entrySet()) {
      LongAdder a = e.getValue();
      a.reset();
      a.add(counts.getOrDefault(e.getKey(), 0L));
    }
  }

  private List<MemSeries> allSeries() {
    indexLock.readLock().lock();
    try {
      return new ArrayList<>(byId);
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /**
   * Whether a sample at {@code timestampMs} would be refused as a duplicate (the series already has
   * one at or after it).
   */
  public boolean isDuplicate(int seriesId, long timestampMs) {
    MemSeries ms = seriesById(seriesId);
    synchronized (ms) {
      return ms.lastT >= timestampMs;
    }
  }

  /** The id of the series, creating it (and granting visibility) when new. */
  public int seriesId(AttributedSeries s) {
    MemSeries existing = byLabels.get(s.labels());
    if (existing != null && isVisibleToAll(existing.id, s)) {
      return existing.id;
    }
    // Interned before the lock, which every thread creating series waits for.
    Labels interned = existing == null ? intern(s.labels()) : null;
    indexLock.writeLock().lock();
    try {
      MemSeries ms = byLabels.get(s.labels());
      if (ms == null) {
        ms = new MemSeries(byId.size(), interned != null ? interned : intern(s.labels()));
        index(ms);
      }
      for (String tenant : s.visibleTo()) {
        if (visibleTo.computeIfAbsent(tenant, k -> new RoaringBitmap()).checkedAdd(ms.id)
            && disk != null) {
          synchronized (pendingGrants) {
            pendingGrants.add(new MetricDatabase.Grant(ms.id, tenant));
          }
        }
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
    return append(seriesById(seriesId), timestampMs, value);
  }

  private boolean append(MemSeries ms, long timestampMs, double value) {
    synchronized (ms) {
      if (ms.lastT >= timestampMs) {
        duplicates.increment();
        return false;
      }
      ms.append(timestampMs, value);
    }
    samples.increment();
    if (timestampMs > maxT.get()) {
      maxT.accumulateAndGet(timestampMs, Math::max);
    }
    return true;
  }

  /**
   * Stores a zero at {@code startMs} when the series has samples and the newest is older than
   * {@code startMs}: the counter restarted from zero in between (the start time of an OTLP
   * cumulative point says when). Nothing happens for a series without samples, as in Prometheus
   * without created-timestamp ingestion of new series. Returns whether a zero was stored.
   */
  public boolean appendResetZero(int seriesId, long startMs) {
    return appendResetZero(seriesById(seriesId), startMs);
  }

  private boolean appendResetZero(MemSeries ms, long startMs) {
    synchronized (ms) {
      if (ms.lastT == Long.MIN_VALUE || ms.lastT >= startMs) {
        return false;
      }
      ms.append(startMs, 0.0);
    }
    samples.increment();
    resetZeros.increment();
    return true;
  }

  /**
   * A series' write handle: {@link #append(int, long, double)}, {@link #appendResetZero} and {@link
   * #isDuplicate} without looking the series up by id. The ingest path keeps one per resolved
   * series and appends every sample through it, so that a sample costs no index lock (shared by
   * every worker thread) and no list lookup; a series object is never replaced, so a handle stays
   * valid for the store's life.
   */
  public final class Appender {
    private final MemSeries ms;

    private Appender(MemSeries ms) {
      this.ms = ms;
    }

    /** The series' id, as {@link #seriesId} returned it. */
    public int id() {
      return ms.id;
    }

    /** {@link MetricStore#append(int, long, double)} for this series. */
    public boolean append(long timestampMs, double value) {
      return MetricStore.this.append(ms, timestampMs, value);
    }

    /** {@link MetricStore#appendResetZero} for this series. */
    public boolean appendResetZero(long startMs) {
      return MetricStore.this.appendResetZero(ms, startMs);
    }

    /** {@link MetricStore#isDuplicate} for this series. */
    public boolean isDuplicate(long timestampMs) {
      synchronized (ms) {
        return ms.lastT >= timestampMs;
      }
    }
  }

  /** The write handle of series {@code seriesId} (an id {@link #seriesId} returned). */
  public Appender appender(int seriesId) {
    return new Appender(seriesById(seriesId));
  }

  /**
   * The last stored sample of a series as {@code {timestamp, value bits}}, or null when it has
   * none.
   */
  public long[] lastSample(int seriesId) {
    MemSeries ms;
    indexLock.readLock().lock();
    try {
      ms = byId.get(seriesId);
    } finally {
      indexLock.readLock().unlock();
    }
    synchronized (ms) {
      return ms.lastT == Long.MIN_VALUE
          ? null
          : new long[] {ms.lastT, Double.doubleToRawLongBits(ms.lastV)};
    }
  }

  @Override
  public List<SeriesData> select(
      Scope scope, List<LabelMatcher> matchers, long minTimeMs, long maxTimeMs) {
    requireScope(scope);
    List<Match> matches = matching(scope, matchers);
    List<MemSeries> matching = new ArrayList<>(matches.size());
    matches.forEach(m -> matching.add(m.series()));
    // Memory first: a sealed chunk leaves the heap only once it is on disk, so whatever is older
    // than a series' memory start at this moment is on disk by now.
    List<Samples> inMemory = new ArrayList<>(matching.size());
    RoaringBitmap needDisk = new RoaringBitmap();
    Map<Integer, Long> memStarts = new HashMap<>();
    for (MemSeries ms : matching) {
      Samples mem = new Samples();
      long memStart;
      synchronized (ms) {
        memStart = ms.memStart();
        addFromMemory(ms, mem, minTimeMs, maxTimeMs);
        if (disk != null && ms.onDisk && memStart > minTimeMs) {
          needDisk.add(ms.id);
          memStarts.put(ms.id, memStart);
        }
      }
      inMemory.add(mem);
    }
    Map<Integer, Samples> fromDisk = readDisk(needDisk, memStarts, minTimeMs, maxTimeMs);
    List<SeriesData> out = new ArrayList<>();
    for (int i = 0; i < matching.size(); i++) {
      MemSeries ms = matching.get(i);
      Samples older = fromDisk.get(ms.id);
      Samples data = older == null ? inMemory.get(i) : older.append(inMemory.get(i));
      if (data.n > 0) {
        out.add(
            new SeriesData(
                matches.get(i).labels(),
                Arrays.copyOf(data.ts, data.n),
                Arrays.copyOf(data.vs, data.n)));
      }
    }
    out.sort(Comparator.comparing(SeriesData::labels));
    return out;
  }

  private Map<Integer, Samples> readDisk(
      RoaringBitmap ids, Map<Integer, Long> memStarts, long minT, long maxT) {
    if (ids.isEmpty()) {
      return Map.of();
    }
    long upTo =
        Math.min(
            maxT, memStarts.values().stream().mapToLong(Long::longValue).max().getAsLong() - 1);
    List<MetricDatabase.ChunkRow> rows;
    try {
      rows = disk.chunks(ids, minT, upTo);
    } catch (SQLException e) {
      throw new StoreReadException("metric store: reading chunks from disk failed: " + e, e);
    }
    diskChunkReads.addAndGet(rows.size());
    Map<Integer, Samples> out = new HashMap<>();
    for (MetricDatabase.ChunkRow row : rows) {
      long memStart = memStarts.get(row.id());
      if (row.minT() >= memStart) {
        // Written by a checkpoint after the memory read above: the memory copy already counts.
        continue;
      }
      out.computeIfAbsent(row.id(), k -> new Samples())
          .addFrom(XorChunk.reader(row.chunk()), minT, Math.min(maxT, memStart - 1));
    }
    return out;
  }

  /**
   * At least as many series as {@link #select} with these matchers can return in {@code scope},
   * from the postings of the equality matchers and the scope's visibility alone: no series, sample
   * or regular expression is touched, so it costs a few bitmap intersections. Matchers it cannot
   * judge that cheaply (regular expressions, {@code !=}, empty values, labels a peer sees
   * pseudonymised) are left out, which only widens the bound.
   */
  public long seriesUpperBound(Scope scope, List<LabelMatcher> matchers) {
    requireScope(scope);
    boolean peerViews = privacy.enabled() && !scope.isEverything();
    indexLock.readLock().lock();
    try {
      RoaringBitmap ids = null;
      for (LabelMatcher m : matchers) {
        if (m.type() != LabelMatcher.Type.EQUAL
            || m.matchesEmpty()
            || (peerViews && PeerPrivacy.REDACTABLE.contains(m.name()))) {
          continue;
        }
        Map<String, RoaringBitmap> values = postings.get(m.name());
        RoaringBitmap b = values == null ? null : values.get(m.value());
        if (b == null || b.isEmpty()) {
          return 0;
        }
        ids = ids == null ? b : RoaringBitmap.and(ids, b);
      }
      if (scope.isEverything()) {
        return ids == null ? allIds.getLongCardinality() : ids.getLongCardinality();
      }
      RoaringBitmap visible = scopeIds(scope);
      return ids == null
          ? visible.getLongCardinality()
          : RoaringBitmap.andCardinality(ids, visible);
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /**
   * How many label values {@link #select} with these matchers tries against a regular expression or
   * {@code !=} in the postings (every value of the label, for each such matcher that does not match
   * the empty value): what such a matcher costs before any series is touched.
   */
  public long labelValuesScanned(List<LabelMatcher> matchers) {
    long n = 0;
    indexLock.readLock().lock();
    try {
      for (LabelMatcher m : matchers) {
        if (m.type() != LabelMatcher.Type.EQUAL && !m.matchesEmpty()) {
          Map<String, RoaringBitmap> values = postings.get(m.name());
          n += values == null ? 0 : values.size();
        }
      }
    } finally {
      indexLock.readLock().unlock();
    }
    return n;
  }

  /** A series as a scope sees it: its own labels, or a peer's redacted view of them. */
  private record Match(MemSeries series, Labels labels) {}

  /** The series in {@code scope} that match every matcher, as the scope sees them. */
  private List<Match> matching(Scope scope, List<LabelMatcher> matchers) {
    List<MemSeries> candidates = new ArrayList<>();
    boolean peerViews = privacy.enabled() && !scope.isEverything();
    indexLock.readLock().lock();
    try {
      RoaringBitmap ids = scopeIds(scope);
      for (LabelMatcher m : matchers) {
        if (ids.isEmpty()) {
          break;
        }
        if (peerViews && PeerPrivacy.REDACTABLE.contains(m.name())) {
          // Peers see pseudonyms, not the values in the postings: decided per series below.
          continue;
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
    List<Match> matching = new ArrayList<>(candidates.size());
    for (MemSeries ms : candidates) {
      Labels view =
          peerViews && privacy.isPeerView(ms.labels, scope) ? privacy.redact(ms.labels) : ms.labels;
      if (matchesAll(view, matchers)) {
        matching.add(new Match(ms, view));
      }
    }
    return matching;
  }

  /**
   * The label sets of the series in {@code scope} that match any of {@code matcherSets} and have a
   * sample at or after {@code minTimeMs}, sorted, without duplicates ({@code /api/v1/series}). A
   * series counts as present up to its last sample; its first sample is not tracked, so a series
   * that only starts after {@code maxTimeMs} is included too.
   */
  public List<Labels> series(
      Scope scope, List<List<LabelMatcher>> matcherSets, long minTimeMs, long maxTimeMs) {
    requireScope(scope);
    TreeSet<Labels> out = new TreeSet<>();
    for (List<LabelMatcher> matchers : matcherSets) {
      for (Match m : matching(scope, matchers)) {
        if (present(m.series(), minTimeMs)) {
          out.add(m.labels());
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Label names of the series in {@code scope} present since {@code minTimeMs} and matching any of
   * {@code matcherSets} (every series in scope when there are none), sorted.
   */
  public List<String> labelNames(
      Scope scope, List<List<LabelMatcher>> matcherSets, long minTimeMs, long maxTimeMs) {
    requireScope(scope);
    TreeSet<String> out = new TreeSet<>();
    for (List<LabelMatcher> matchers : orAll(matcherSets)) {
      for (Match m : matching(scope, matchers)) {
        if (present(m.series(), minTimeMs)) {
          out.addAll(m.labels().names());
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Values of label {@code name} among the series in {@code scope} present since {@code minTimeMs}
   * and matching any of {@code matcherSets} (every series in scope when there are none), sorted.
   */
  public List<String> labelValues(
      Scope scope,
      String name,
      List<List<LabelMatcher>> matcherSets,
      long minTimeMs,
      long maxTimeMs) {
    requireScope(scope);
    TreeSet<String> out = new TreeSet<>();
    boolean peerViews =
        privacy.enabled() && !scope.isEverything() && PeerPrivacy.REDACTABLE.contains(name);
    if (matcherSets.isEmpty() && !peerViews) {
      // From the postings: a value counts when one of its series in scope is present.
      List<Map.Entry<String, RoaringBitmap>> values = new ArrayList<>();
      RoaringBitmap inScope;
      indexLock.readLock().lock();
      try {
        inScope = scopeIds(scope);
        Map<String, RoaringBitmap> byValue = postings.get(name);
        if (byValue != null) {
          byValue.forEach((v, b) -> values.add(Map.entry(v, RoaringBitmap.and(b, inScope))));
        }
      } finally {
        indexLock.readLock().unlock();
      }
      for (Map.Entry<String, RoaringBitmap> e : values) {
        for (IntIterator it = e.getValue().getIntIterator(); it.hasNext(); ) {
          if (present(seriesById(it.next()), minTimeMs)) {
            out.add(e.getKey());
            break;
          }
        }
      }
      return List.copyOf(out);
    }
    for (List<LabelMatcher> matchers : orAll(matcherSets)) {
      for (Match m : matching(scope, matchers)) {
        String v = m.labels().get(name);
        if (v != null && present(m.series(), minTimeMs)) {
          out.add(v);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * The newest sample timestamp among the series in {@code scope}, per value of label {@code name}
   * (e.g. per {@code cluster}: when each cluster last sent anything). Values whose series hold no
   * sample are left out. Reads each series' last timestamp, no chunk: about a microsecond per
   * series.
   */
  public Map<String, Long> newestSampleBy(Scope scope, String name) {
    requireScope(scope);
    List<Map.Entry<String, RoaringBitmap>> values = new ArrayList<>();
    indexLock.readLock().lock();
    try {
      RoaringBitmap inScope = scopeIds(scope);
      Map<String, RoaringBitmap> byValue = postings.get(name);
      if (byValue != null) {
        byValue.forEach((v, b) -> values.add(Map.entry(v, RoaringBitmap.and(b, inScope))));
      }
    } finally {
      indexLock.readLock().unlock();
    }
    Map<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, RoaringBitmap> e : values) {
      long newest = Long.MIN_VALUE;
      for (IntIterator it = e.getValue().getIntIterator(); it.hasNext(); ) {
        MemSeries ms = seriesById(it.next());
        synchronized (ms) {
          newest = Math.max(newest, ms.lastT);
        }
      }
      if (newest != Long.MIN_VALUE) {
        out.put(e.getKey(), newest);
      }
    }
    return out;
  }

  private static List<List<LabelMatcher>> orAll(List<List<LabelMatcher>> matcherSets) {
    return matcherSets.isEmpty() ? List.of(List.of()) : matcherSets;
  }

  private MemSeries seriesById(int id) {
    indexLock.readLock().lock();
    try {
      return byId.get(id);
    } finally {
      indexLock.readLock().unlock();
    }
  }

  private static boolean present(MemSeries ms, long minTimeMs) {
    synchronized (ms) {
      return ms.lastT != Long.MIN_VALUE && ms.lastT >= minTimeMs;
    }
  }

  private static void requireScope(Scope scope) {
    if (scope == null) {
      throw new IllegalArgumentException("a store read needs a scope");
    }
  }

  // ------------------------------------------------------------------------------ metadata

  /** Type, help and unit of a metric family, as Prometheus' {@code /api/v1/metadata} has them. */
  public record Metadata(String type, String help, String unit) {}

  private final Map<String, Metadata> metadata = new ConcurrentHashMap<>();

  /** Records (or updates) the metadata of a metric family as it was last received. */
  public void recordMetadata(String family, Metadata m) {
    Metadata old = metadata.get(family);
    if (!m.equals(old)) {
      metadata.put(family, m);
    }
  }

  /**
   * Metadata of the metric families that have a series in {@code scope}: a family (or its {@code
   * _bucket}, {@code _sum}, {@code _count} series) must be visible for its metadata to be shown.
   *
   * @param metric only this family, when not null
   * @param limit at most this many families; negative for all
   */
  public Map<String, List<Metadata>> metadata(Scope scope, String metric, int limit) {
    requireScope(scope);
    Set<String> visibleNames =
        new HashSet<>(
            labelValues(scope, Labels.METRIC_NAME, List.of(), Long.MIN_VALUE, Long.MAX_VALUE));
    Map<String, List<Metadata>> out = new TreeMap<>();
    for (Map.Entry<String, Metadata> e : new TreeMap<>(metadata).entrySet()) {
      String family = e.getKey();
      if (metric != null && !metric.equals(family)) {
        continue;
      }
      boolean visible =
          visibleNames.contains(family)
              || visibleNames.contains(family + "_bucket")
              || visibleNames.contains(family + "_count")
              || visibleNames.contains(family + "_sum");
      if (!visible) {
        continue;
      }
      if (limit >= 0 && out.size() >= limit) {
        break;
      }
      out.put(family, List.of(e.getValue()));
    }
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

  private static void addFromMemory(MemSeries ms, Samples out, long minT, long maxT) {
    for (int i = 0; i < ms.sealed.length; i++) {
      if (ms.sealedMaxT[i] >= minT && ms.sealedMinT[i] <= maxT) {
        out.addFrom(XorChunk.reader(ms.sealed[i]), minT, maxT);
      }
    }
    if (ms.open != null && ms.lastT >= minT && ms.openMinT <= maxT) {
      out.addFrom(XorChunk.reader(ms.open.buffer(), 0, ms.open.sizeBytes()), minT, maxT);
    }
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

    /** These samples followed by {@code later}'s, which all come after them. */
    Samples append(Samples later) {
      if (later.n == 0) {
        return this;
      }
      if (n + later.n > ts.length) {
        ts = Arrays.copyOf(ts, n + later.n);
        vs = Arrays.copyOf(vs, n + later.n);
      }
      System.arraycopy(later.ts, 0, ts, n, later.n);
      System.arraycopy(later.vs, 0, vs, n, later.n);
      n += later.n;
      return this;
    }
  }

  // ------------------------------------------------------------------------------ durability

  /** Whether this store writes to disk. */
  public boolean isDurable() {
    return disk != null;
  }

  /**
   * The Kafka offsets ({@code "topic/partition"} to next offset) the data on disk covers; empty for
   * a memory-only store.
   */
  public Map<String, Long> persistedOffsets() {
    return persistedOffsets;
  }

  /**
   * Writes everything stored since the last checkpoint to disk, together with {@code offsets}, in
   * one transaction, then lets sealed chunks older than the head window leave the heap. The caller
   * guarantees that the store holds exactly the data of those offsets, i.e. no append runs
   * concurrently (the metrics consumer calls it between two batches). Writes nothing when nothing
   * changed since the last checkpoint written (no sample, series or grant, the same offsets), as
   * when a shutdown checkpoints right after the consumer's last one: every checkpoint rewrites the
   * head of every series.
   *
   * @throws SQLException when nothing was written; memory is unchanged and the next checkpoint
   *     writes it all
   */
  public void checkpoint(Map<String, Long> offsets) throws SQLException {
    if (disk == null) {
      return;
    }
    synchronized (checkpointLock) {
      // Read before anything is collected: an append counts itself after it changed its series,
      // so one that this checkpoint misses is counted after this read and is written next time.
      long samplesNow = samples.sum();
      if (samplesNow == samplesWritten && nothingNewBut(offsets)) {
        return;
      }
      List<MemSeries> all = allSeries();
      List<MetricDatabase.SeriesRow> newSeries = new ArrayList<>();
      for (int id = persistedSeries; id < all.size(); id++) {
        newSeries.add(new MetricDatabase.SeriesRow(id, all.get(id).labels));
      }
      List<MetricDatabase.Grant> grants = new ArrayList<>();
      synchronized (pendingGrants) {
        // A series created on another thread (Meshlens' own metrics) after the list above is
        // written with the next checkpoint, and so are its grants.
        pendingGrants.removeIf(g -> g.id() < all.size() && grants.add(g));
      }
      List<MetricDatabase.ChunkRow> sealedRows = new ArrayList<>();
      int[] sealedUpTo = new int[all.size()];
      for (MemSeries ms : all) {
        synchronized (ms) {
          for (int i = ms.persisted; i < ms.sealed.length; i++) {
            sealedRows.add(
                new MetricDatabase.ChunkRow(
                    ms.id, ms.sealedMinT[i], ms.sealedMaxT[i], ms.sealed[i]));
          }
          sealedUpTo[ms.id] = ms.sealed.length;
        }
      }
      Map<String, Long> offsetsCopy = Map.copyOf(offsets);
      try {
        disk.checkpoint(
            new MetricDatabase.Checkpoint() {
              @Override
              public List<MetricDatabase.SeriesRow> newSeries() {
                return newSeries;
              }

              @Override
              public List<MetricDatabase.Grant> grants() {
                return grants;
              }

              @Override
              public List<MetricDatabase.ChunkRow> sealedChunks() {
                return sealedRows;
              }

              @Override
              public void heads(MetricDatabase.HeadSink sink) throws SQLException {
                for (MemSeries ms : all) {
                  long lastT;
                  double lastV;
                  long minT;
                  byte[] chunk;
                  synchronized (ms) {
                    lastT = ms.lastT;
                    lastV = ms.lastV;
                    minT = ms.openMinT;
                    chunk = ms.open == null ? null : ms.open.bytes();
                  }
                  if (lastT != Long.MIN_VALUE) {
                    sink.head(ms.id, lastT, lastV, minT, chunk);
                  }
                }
              }

              @Override
              public Map<String, Long> offsets() {
                return offsetsCopy;
              }
            });
      } catch (SQLException | RuntimeException e) {
        synchronized (pendingGrants) {
          pendingGrants.addAll(0, grants);
        }
        throw e;
      }
      persistedSeries = all.size();
      samplesWritten = samplesNow;
      Map<String, Long> merged = new HashMap<>(persistedOffsets);
      merged.putAll(offsetsCopy);
      persistedOffsets = Map.copyOf(merged);
      for (MemSeries ms : all) {
        synchronized (ms) {
          ms.persisted = sealedUpTo[ms.id];
        }
      }
      evictOlderThan(maxT.get() == Long.MIN_VALUE ? Long.MIN_VALUE : maxT.get() - headMillis());
      if (maxT.get() != Long.MIN_VALUE) {
        recountActive(maxT.get() - ACTIVE_WINDOW_MS);
      }
      checkpoints.incrementAndGet();
    }
  }

  /** No series and no grant since the last checkpoint written, and offsets it wrote already. */
  private boolean nothingNewBut(Map<String, Long> offsets) {
    indexLock.readLock().lock();
    try {
      if (byId.size() != persistedSeries) {
        return false;
      }
    } finally {
      indexLock.readLock().unlock();
    }
    synchronized (pendingGrants) {
      if (!pendingGrants.isEmpty()) {
        return false;
      }
    }
    for (Map.Entry<String, Long> e : offsets.entrySet()) {
      if (!e.getValue().equals(persistedOffsets.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private long headMillis() {
    return Math.min(headWindow.toMillis(), Long.MAX_VALUE / 4);
  }

  /** Drops from the heap the persisted sealed chunks that end before {@code cutoff}. */
  private void evictOlderThan(long cutoff) {
    for (MemSeries ms : allSeries()) {
      synchronized (ms) {
        int drop = 0;
        while (drop < ms.persisted && ms.sealedMaxT[drop] < cutoff) {
          drop++;
        }
        if (drop > 0) {
          int n = ms.sealed.length;
          ms.sealed = drop == n ? NO_CHUNKS : Arrays.copyOfRange(ms.sealed, drop, n);
          ms.sealedMinT = drop == n ? NO_TIMES : Arrays.copyOfRange(ms.sealedMinT, drop, n);
          ms.sealedMaxT = drop == n ? NO_TIMES : Arrays.copyOfRange(ms.sealedMaxT, drop, n);
          ms.persisted -= drop;
          ms.onDisk = true;
          evictedChunks.addAndGet(drop);
        }
      }
    }
  }

  /**
   * Drops, whole, every day partition on disk whose samples all lie before {@code cutoffMs}
   * (retention). Chunks that old have left the heap long before (the head window is hours).
   *
   * @return the number of day partitions dropped
   */
  public int dropBefore(long cutoffMs) throws SQLException {
    if (disk == null) {
      return 0;
    }
    synchronized (checkpointLock) {
      return disk.dropBefore(cutoffMs);
    }
  }

  /**
   * Deletes, from the days before the day of {@code cutoffMs}, the chunks of the series {@code
   * tenant} owns (its {@code tenant} label): a tenant retention shorter than the store's.
   *
   * @return the number of chunks deleted
   */
  public long dropTenantBefore(String tenant, long cutoffMs) throws SQLException {
    if (disk == null) {
      return 0;
    }
    RoaringBitmap owned;
    indexLock.readLock().lock();
    try {
      Map<String, RoaringBitmap> byTenant = postings.get("tenant");
      RoaringBitmap b = byTenant == null ? null : byTenant.get(tenant);
      owned = b == null ? new RoaringBitmap() : b.clone();
    } finally {
      indexLock.readLock().unlock();
    }
    synchronized (checkpointLock) {
      return disk.deleteChunks(owned, Math.floorDiv(cutoffMs, MetricDatabase.DAY_MS));
    }
  }

  /** Checkpoints written since start-up. */
  public long checkpointCount() {
    return checkpoints.get();
  }

  /** Chunks that reads had to fetch from disk (older than what the heap holds). */
  public long diskChunkReadCount() {
    return diskChunkReads.get();
  }

  /** Sealed chunks that left the heap because they are on disk. */
  public long evictedChunkCount() {
    return evictedChunks.get();
  }

  /** Bytes of XOR chunk payload on disk (samples alone, without index or head); 0 in memory. */
  public long diskChunkBytes() throws SQLException {
    return disk == null ? 0 : disk.chunkBytes();
  }

  /** Bytes of the store's database file; 0 in memory. */
  public long diskBytes() {
    return disk == null ? 0 : disk.fileBytes();
  }

  @Override
  public void close() throws SQLException {
    if (disk != null) {
      synchronized (checkpointLock) {
        closed = true;
        disk.close();
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

  /** Zeros stored at a counter's start time because it restarted ({@link #appendResetZero}). */
  public long resetZeroCount() {
    return resetZeros.sum();
  }
}
