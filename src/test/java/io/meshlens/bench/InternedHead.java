package io.meshlens.bench;

import io.meshlens.model.Labels;
import io.meshlens.store.XorChunk;
import io.meshlens.tenancy.AttributedSeries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.roaringbitmap.RoaringBitmap;

/**
 * Candidates (b) and (c) in memory: a head index with interned labels and, optionally, Gorilla
 * chunks for the samples.
 *
 * <ul>
 *   <li>Symbol table: every distinct label name and value is stored once; a series is an {@code
 *       int[]} of symbol ids (name, value, name, value, ..., then its cluster and tenant).
 *   <li>Lookup: an open-addressing table over series ids keyed by the hash of the translated {@link
 *       Labels} (as the translator produces them, before attribution); a hit is confirmed by
 *       comparing the strings behind the symbols. No {@code Labels} object is kept per series.
 *   <li>Postings: a {@link RoaringBitmap} per (name, value) symbol pair of the attributed labels
 *       and per visible tenant.
 *   <li>Samples: none ({@code chunks == false}, the index alone), or one open {@link XorChunk} per
 *       series (cut at 120 samples) plus the trimmed full chunks before it.
 * </ul>
 *
 * Single-threaded: the spike measures memory and one core's throughput, not concurrency.
 */
final class InternedHead {

  private final Map<String, Integer> symbolIds = new HashMap<>();
  private final ArrayList<String> symbols = new ArrayList<>();
  private final Map<Long, RoaringBitmap> postings = new HashMap<>();
  private final Map<String, RoaringBitmap> visibleTo = new HashMap<>();
  private final boolean chunks;

  private int[][] series = new int[1024][];
  private int[] hashes = new int[1024];
  private int[] table = new int[2048]; // series id + 1, 0 = empty
  private int count;

  private XorChunk[] open = new XorChunk[1024];
  private byte[][][] closed = new byte[1024][][];
  private long samples;
  private long dropped;

  InternedHead(boolean chunks) {
    this.chunks = chunks;
  }

  int seriesCount() {
    return count;
  }

  int symbolCount() {
    return symbols.size();
  }

  int postingsCount() {
    return postings.size();
  }

  long sampleCount() {
    return samples;
  }

  long droppedCount() {
    return dropped;
  }

  /** Bytes of all postings bitmaps as RoaringBitmap reports them (serialized-size estimate). */
  long postingsBytes() {
    long n = 0;
    for (RoaringBitmap b : postings.values()) {
      n += b.getLongSizeInBytes();
    }
    for (RoaringBitmap b : visibleTo.values()) {
      n += b.getLongSizeInBytes();
    }
    return n;
  }

  int symbol(String s) {
    Integer id = symbolIds.get(s);
    if (id == null) {
      id = symbols.size();
      symbols.add(s);
      symbolIds.put(s, id);
    }
    return id;
  }

  /** The id of the series with these translated labels, or -1. */
  int lookup(Labels translated) {
    int h = translated.hashCode();
    int mask = table.length - 1;
    for (int slot = mix(h) & mask; ; slot = (slot + 1) & mask) {
      int e = table[slot];
      if (e == 0) {
        return -1;
      }
      int id = e - 1;
      if (hashes[id] == h && sameLabels(series[id], translated)) {
        return id;
      }
    }
  }

  private boolean sameLabels(int[] syms, Labels l) {
    int pairs = (syms.length - 2) / 2;
    if (pairs != l.size()) {
      return false;
    }
    for (int i = 0; i < pairs; i++) {
      if (!symbols.get(syms[2 * i]).equals(l.name(i))
          || !symbols.get(syms[2 * i + 1]).equals(l.value(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Adds a series: {@code translated} is its identity for lookups, {@code attributed} gives the
   * cluster, tenant and postings.
   */
  int add(Labels translated, AttributedSeries attributed) {
    int id = count++;
    if (id == series.length) {
      int n = id + (id >>> 1);
      series = Arrays.copyOf(series, n);
      hashes = Arrays.copyOf(hashes, n);
      if (chunks) {
        open = Arrays.copyOf(open, n);
        closed = Arrays.copyOf(closed, n);
      }
    }
    int[] syms = new int[translated.size() * 2 + 2];
    for (int i = 0; i < translated.size(); i++) {
      syms[2 * i] = symbol(translated.name(i));
      syms[2 * i + 1] = symbol(translated.value(i));
    }
    syms[syms.length - 2] = symbol(attributed.cluster());
    syms[syms.length - 1] = symbol(attributed.tenant());
    series[id] = syms;
    hashes[id] = translated.hashCode();
    if (count * 2 > table.length) {
      rehash(table.length * 2);
    }
    insert(id);
    Labels l = attributed.labels();
    for (int i = 0; i < l.size(); i++) {
      long key = ((long) symbol(l.name(i)) << 32) | symbol(l.value(i));
      postings.computeIfAbsent(key, k -> new RoaringBitmap()).add(id);
    }
    for (String t : attributed.visibleTo()) {
      visibleTo.computeIfAbsent(t, k -> new RoaringBitmap()).add(id);
    }
    return id;
  }

  private void insert(int id) {
    int mask = table.length - 1;
    int slot = mix(hashes[id]) & mask;
    while (table[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    table[slot] = id + 1;
  }

  private void rehash(int size) {
    table = new int[size];
    for (int id = 0; id < count; id++) {
      insert(id);
    }
  }

  private static int mix(int h) {
    h *= 0x9E3779B1;
    return h ^ (h >>> 16);
  }

  /** Appends a sample; false when the series already has one at or after {@code t}. */
  boolean append(int id, long t, double v) {
    if (!chunks) {
      samples++;
      return true;
    }
    XorChunk c = open[id];
    if (c != null && c.count() > 0 && t <= c.lastTimestamp()) {
      dropped++;
      return false;
    }
    if (c == null) {
      c = new XorChunk(32);
      open[id] = c;
    } else if (c.count() >= XorChunk.SAMPLES_PER_CHUNK) {
      c.trim();
      byte[][] done = closed[id];
      done = done == null ? new byte[1][] : Arrays.copyOf(done, done.length + 1);
      done[done.length - 1] = c.buffer();
      closed[id] = done;
      c = new XorChunk(32);
      open[id] = c;
    }
    c.append(t, v);
    samples++;
    return true;
  }

  /** Bytes in chunk arrays (full chunks trimmed, open chunk at capacity), headers excluded. */
  long chunkBytes() {
    long n = 0;
    for (int id = 0; id < count; id++) {
      if (open[id] != null) {
        n += open[id].capacityBytes();
      }
      if (closed[id] != null) {
        for (byte[] b : closed[id]) {
          n += b.length;
        }
      }
    }
    return n;
  }

  /** The metric name of a series (labels are sorted, so {@code __name__} comes first). */
  String metric(int id) {
    int[] syms = series[id];
    return symbols.get(syms[0]).equals(Labels.METRIC_NAME) ? symbols.get(syms[1]) : "";
  }

  /** Series ids visible to any of {@code tenants} with label {@code name="value"}. */
  RoaringBitmap select(Set<String> tenants, String name, String value) {
    RoaringBitmap scope = new RoaringBitmap();
    for (String t : tenants) {
      RoaringBitmap b = visibleTo.get(t);
      if (b != null) {
        scope.or(b);
      }
    }
    Integer n = symbolIds.get(name);
    Integer v = symbolIds.get(value);
    if (n == null || v == null) {
      return new RoaringBitmap();
    }
    RoaringBitmap p = postings.get(((long) n << 32) | v);
    return p == null ? new RoaringBitmap() : RoaringBitmap.and(scope, p);
  }

  /** The labels of a series, rebuilt from its symbols (cluster and tenant added). */
  Labels labels(int id) {
    int[] syms = series[id];
    Labels.Builder b = Labels.builder();
    for (int i = 0; i + 2 < syms.length; i += 2) {
      b.put(symbols.get(syms[i]), symbols.get(syms[i + 1]));
    }
    b.remove("k8s_cluster_name");
    b.put("cluster", symbols.get(syms[syms.length - 2]));
    b.put("tenant", symbols.get(syms[syms.length - 1]));
    return b.build();
  }

  /** Decodes one series' samples in [minT, maxT] into the given lists; returns the count. */
  int samples(int id, long minT, long maxT, long[] tsOut, double[] vsOut) {
    int n = 0;
    if (closed[id] != null) {
      for (byte[] b : closed[id]) {
        n = decode(b, b.length, minT, maxT, tsOut, vsOut, n);
      }
    }
    XorChunk c = open[id];
    if (c != null) {
      n = decode(c.buffer(), c.sizeBytes(), minT, maxT, tsOut, vsOut, n);
    }
    return n;
  }

  private static int decode(
      byte[] b, int len, long minT, long maxT, long[] tsOut, double[] vsOut, int n) {
    XorChunk.Reader r = XorChunk.reader(b, 0, len);
    while (r.next()) {
      long t = r.t();
      if (t > maxT) {
        break;
      }
      if (t >= minT) {
        tsOut[n] = t;
        vsOut[n] = r.v();
        n++;
      }
    }
    return n;
  }

  /** Tenant names with their visible series counts. */
  List<Map.Entry<String, Integer>> tenantSizes() {
    List<Map.Entry<String, Integer>> out = new ArrayList<>();
    visibleTo.forEach((t, b) -> out.add(Map.entry(t, b.getCardinality())));
    return out;
  }
}
