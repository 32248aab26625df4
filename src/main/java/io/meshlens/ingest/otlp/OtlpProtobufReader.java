package io.meshlens.ingest.otlp;

import com.google.protobuf.UnsafeByteOperations;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.UnaryOperator;

/**
 * Reads a protobuf {@code ExportMetricsServiceRequest} straight from its bytes into flat arrays,
 * without building the generated message objects: attribute keys and values, metric names and units
 * come out of a table keyed by their raw UTF-8 bytes, so a string seen before costs a hash and a
 * byte comparison instead of a decoded {@code String}, and its label name is worked out once.
 *
 * <p>It reads the common form only: gauges, sums and explicit-bucket histograms, attributes with
 * string, bool, int, double or bytes values, fields in any order. Anything else (exponential
 * histograms, summaries, array or map values, fields this version of OTLP does not know, a
 * non-repeated message field given twice, which protobuf would merge) and every malformed input
 * (truncation, bad lengths, invalid UTF-8 in a string field) make {@link #read} return false, and
 * the caller takes protobuf's own parser, which then accepts or rejects the bytes as always. So
 * whatever this reader accepts, protobuf reads the same way; {@code OtlpProtobufReaderTest} checks
 * that on real, simulated, edge-case and damaged input.
 *
 * <p>Not thread-safe: one instance per thread, reused for every request.
 */
final class OtlpProtobufReader {

  /** Metric kinds read here; the others send the request to protobuf's parser. */
  static final byte NO_DATA = 0;

  static final byte GAUGE = 1;
  static final byte SUM = 2;
  static final byte HISTOGRAM = 3;

  /** Control flow for "not the common form": no stack trace, never seen outside this class. */
  private static final class NotCommon extends Exception {
    private static final long serialVersionUID = 1L;

    NotCommon() {
      super(null, null, false, false);
    }
  }

  private static final NotCommon NOT_COMMON = new NotCommon();

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  // Tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited).
  private static final int T1_LEN = 1 << 3 | 2;
  private static final int T2_LEN = 2 << 3 | 2;
  private static final int T3_LEN = 3 << 3 | 2;
  private static final int T4_LEN = 4 << 3 | 2;
  private static final int T5_LEN = 5 << 3 | 2;
  private static final int T6_LEN = 6 << 3 | 2;
  private static final int T7_LEN = 7 << 3 | 2;
  private static final int T8_LEN = 8 << 3 | 2;
  private static final int T9_LEN = 9 << 3 | 2;
  private static final int T12_LEN = 12 << 3 | 2;
  private static final int T2_VARINT = 2 << 3;
  private static final int T3_VARINT = 3 << 3;
  private static final int T4_VARINT = 4 << 3;
  private static final int T8_VARINT = 8 << 3;
  private static final int T10_VARINT = 10 << 3;
  private static final int T2_FIXED = 2 << 3 | 1;
  private static final int T3_FIXED = 3 << 3 | 1;
  private static final int T4_FIXED = 4 << 3 | 1;
  private static final int T5_FIXED = 5 << 3 | 1;
  private static final int T6_FIXED = 6 << 3 | 1;
  private static final int T7_FIXED = 7 << 3 | 1;
  private static final int T11_FIXED = 11 << 3 | 1;
  private static final int T12_FIXED = 12 << 3 | 1;

  private final StringTable strings;

  /** Attribute runs by their bytes (see {@link #attributeRun}). */
  final BlockTable blocks;

  private byte[] b;
  private int pos;

  /** Attributes of every resource and data point, each owning a range. */
  final AttributeList attributes = new AttributeList(256);

  // Resources, in request order: their attribute range and their metrics' range.
  int resourceCount;
  int[] resourceAttrFrom = new int[8];
  int[] resourceAttrTo = new int[8];
  int[] resourceMetricFrom = new int[8];
  int[] resourceMetricTo = new int[8];

  /**
   * Each resource's attributes as one {@link Block}: {@link Block#EMPTY} without attributes, null
   * when they came in more than one run.
   */
  Block[] resourceBlock = new Block[8];

  // Metrics, in request order.
  int metricCount;
  String[] metricName = new String[32];
  String[] metricDescription = new String[32];
  String[] metricUnit = new String[32];
  byte[] metricKind = new byte[32];
  int[] metricTemporality = new int[32];
  boolean[] metricMonotonic = new boolean[32];
  int[] metricPointFrom = new int[32];
  int[] metricPointTo = new int[32];

  // Data points, in request order.
  int pointCount;
  int[] pointAttrFrom = new int[64];
  int[] pointAttrTo = new int[64];
  long[] pointStart = new long[64];
  long[] pointTime = new long[64];
  int[] pointFlags = new int[64];

  /**
   * Each point's attributes as one {@link Block}: {@link Block#EMPTY} without attributes, null when
   * they came in more than one run.
   */
  Block[] pointBlock = new Block[64];

  /** Number points: the value (0 when neither {@code as_double} nor {@code as_int} is set). */
  double[] pointValue = new double[64];

  // Histogram points: sum presence, sum, count, and ranges of bucketCounts and bounds.
  boolean[] pointHasSum = new boolean[64];
  double[] pointSum = new double[64];
  long[] pointTotal = new long[64];
  int[] pointCountsFrom = new int[64];
  int[] pointCountsTo = new int[64];
  int[] pointBoundsFrom = new int[64];
  int[] pointBoundsTo = new int[64];

  long[] bucketCounts = new long[256];
  int bucketCountsSize;
  double[] bounds = new double[256];
  int boundsSize;

  OtlpProtobufReader(UnaryOperator<String> labelNamer, UnaryOperator<String> symbols) {
    this(labelNamer, symbols, new BlockTable(BlockTable.MAX, BlockTable.MAX_BYTES));
  }

  OtlpProtobufReader(
      UnaryOperator<String> labelNamer, UnaryOperator<String> symbols, BlockTable blocks) {
    this.strings = new StringTable(labelNamer, symbols);
    this.blocks = blocks;
  }

  /**
   * Reads {@code bytes} into the arrays of this reader. False when they are not a request in the
   * common form, or not a valid request at all: the arrays are then meaningless.
   */
  boolean read(byte[] bytes) {
    resourceCount = 0;
    metricCount = 0;
    pointCount = 0;
    attributes.size = 0;
    bucketCountsSize = 0;
    boundsSize = 0;
    b = bytes;
    pos = 0;
    try {
      request(bytes.length);
      return true;
    } catch (NotCommon e) {
      return false;
    } finally {
      b = null;
    }
  }

  // ---- messages ----

  private void request(int end) throws NotCommon {
    while (pos < end) {
      if (tag(end) != T1_LEN) {
        throw NOT_COMMON;
      }
      resourceMetrics(length(end));
    }
  }

  private void resourceMetrics(int end) throws NotCommon {
    int r = resourceCount;
    if (r == resourceAttrFrom.length) {
      int c = r * 2;
      resourceAttrFrom = Arrays.copyOf(resourceAttrFrom, c);
      resourceAttrTo = Arrays.copyOf(resourceAttrTo, c);
      resourceMetricFrom = Arrays.copyOf(resourceMetricFrom, c);
      resourceMetricTo = Arrays.copyOf(resourceMetricTo, c);
      resourceBlock = Arrays.copyOf(resourceBlock, c);
    }
    resourceCount++;
    resourceAttrFrom[r] = 0;
    resourceAttrTo[r] = 0;
    resourceMetricFrom[r] = metricCount;
    resourceBlock[r] = Block.EMPTY;
    boolean seenResource = false;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> {
          if (seenResource) {
            throw NOT_COMMON;
          }
          seenResource = true;
          int resourceEnd = length(end);
          resourceAttrFrom[r] = attributes.size;
          resource(r, resourceEnd);
          resourceAttrTo[r] = attributes.size;
        }
        case T2_LEN -> scopeMetrics(length(end));
        case T3_LEN -> validString(length(end)); // schema_url
        default -> throw NOT_COMMON;
      }
    }
    resourceMetricTo[r] = metricCount;
  }

  private void resource(int r, int end) throws NotCommon {
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> resourceBlock[r] = merge(resourceBlock[r], attributeRun(T1_LEN, end));
        case T2_VARINT -> varint(end); // dropped_attributes_count
        default -> throw NOT_COMMON;
      }
    }
  }

  private void scopeMetrics(int end) throws NotCommon {
    boolean seenScope = false;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> {
          if (seenScope) {
            throw NOT_COMMON;
          }
          seenScope = true;
          scope(length(end));
        }
        case T2_LEN -> metric(length(end));
        case T3_LEN -> validString(length(end)); // schema_url
        default -> throw NOT_COMMON;
      }
    }
  }

  /** An InstrumentationScope, checked and ignored (scope labels are not made). */
  private void scope(int end) throws NotCommon {
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN, T2_LEN -> validString(length(end)); // name, version
        case T3_LEN -> keyValue(length(end), false);
        case T4_VARINT -> varint(end); // dropped_attributes_count
        default -> throw NOT_COMMON;
      }
    }
  }

  private void metric(int end) throws NotCommon {
    int m = metricCount;
    if (m == metricName.length) {
      int c = m * 2;
      metricName = Arrays.copyOf(metricName, c);
      metricDescription = Arrays.copyOf(metricDescription, c);
      metricUnit = Arrays.copyOf(metricUnit, c);
      metricKind = Arrays.copyOf(metricKind, c);
      metricTemporality = Arrays.copyOf(metricTemporality, c);
      metricMonotonic = Arrays.copyOf(metricMonotonic, c);
      metricPointFrom = Arrays.copyOf(metricPointFrom, c);
      metricPointTo = Arrays.copyOf(metricPointTo, c);
    }
    metricCount++;
    metricName[m] = "";
    metricDescription[m] = "";
    metricUnit[m] = "";
    metricKind[m] = NO_DATA;
    metricTemporality[m] = 0;
    metricMonotonic[m] = false;
    metricPointFrom[m] = pointCount;
    while (pos < end) {
      int tag = tag(end);
      switch (tag) {
        case T1_LEN -> metricName[m] = string(length(end)).string;
        case T2_LEN -> metricDescription[m] = string(length(end)).string;
        case T3_LEN -> metricUnit[m] = string(length(end)).string;
        case T5_LEN, T7_LEN, T9_LEN -> {
          // The data oneof: a second one would replace or merge into the first.
          if (metricKind[m] != NO_DATA) {
            throw NOT_COMMON;
          }
          int dataEnd = length(end);
          if (tag == T5_LEN) {
            metricKind[m] = GAUGE;
            gauge(dataEnd);
          } else if (tag == T7_LEN) {
            metricKind[m] = SUM;
            sum(m, dataEnd);
          } else {
            metricKind[m] = HISTOGRAM;
            histogram(m, dataEnd);
          }
        }
        case T12_LEN -> keyValue(length(end), false); // metadata
        default -> throw NOT_COMMON; // exponential histogram, summary, unknown
      }
    }
    metricPointTo[m] = pointCount;
  }

  private void gauge(int end) throws NotCommon {
    while (pos < end) {
      if (tag(end) != T1_LEN) {
        throw NOT_COMMON;
      }
      numberPoint(length(end));
    }
  }

  private void sum(int m, int end) throws NotCommon {
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> numberPoint(length(end));
        case T2_VARINT -> metricTemporality[m] = (int) varint(end);
        case T3_VARINT -> metricMonotonic[m] = varint(end) != 0;
        default -> throw NOT_COMMON;
      }
    }
  }

  private void histogram(int m, int end) throws NotCommon {
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> histogramPoint(length(end));
        case T2_VARINT -> metricTemporality[m] = (int) varint(end);
        default -> throw NOT_COMMON;
      }
    }
  }

  private int newPoint() {
    int p = pointCount;
    if (p == pointAttrFrom.length) {
      int c = p * 2;
      pointAttrFrom = Arrays.copyOf(pointAttrFrom, c);
      pointAttrTo = Arrays.copyOf(pointAttrTo, c);
      pointStart = Arrays.copyOf(pointStart, c);
      pointTime = Arrays.copyOf(pointTime, c);
      pointFlags = Arrays.copyOf(pointFlags, c);
      pointBlock = Arrays.copyOf(pointBlock, c);
      pointValue = Arrays.copyOf(pointValue, c);
      pointHasSum = Arrays.copyOf(pointHasSum, c);
      pointSum = Arrays.copyOf(pointSum, c);
      pointTotal = Arrays.copyOf(pointTotal, c);
      pointCountsFrom = Arrays.copyOf(pointCountsFrom, c);
      pointCountsTo = Arrays.copyOf(pointCountsTo, c);
      pointBoundsFrom = Arrays.copyOf(pointBoundsFrom, c);
      pointBoundsTo = Arrays.copyOf(pointBoundsTo, c);
    }
    pointCount++;
    pointAttrFrom[p] = attributes.size;
    pointStart[p] = 0;
    pointTime[p] = 0;
    pointFlags[p] = 0;
    pointBlock[p] = Block.EMPTY;
    pointValue[p] = 0;
    pointHasSum[p] = false;
    pointSum[p] = 0;
    pointTotal[p] = 0;
    pointCountsFrom[p] = bucketCountsSize;
    pointBoundsFrom[p] = boundsSize;
    return p;
  }

  private void numberPoint(int end) throws NotCommon {
    int p = newPoint();
    while (pos < end) {
      switch (tag(end)) {
        case T2_FIXED -> pointStart[p] = fixed64(end);
        case T3_FIXED -> pointTime[p] = fixed64(end);
        // as_double and as_int are a oneof: the last one given counts.
        case T4_FIXED -> pointValue[p] = Double.longBitsToDouble(fixed64(end));
        case T6_FIXED -> pointValue[p] = fixed64(end);
        case T5_LEN -> exemplar(length(end));
        case T7_LEN -> pointBlock[p] = merge(pointBlock[p], attributeRun(T7_LEN, end));
        case T8_VARINT -> pointFlags[p] = (int) varint(end);
        default -> throw NOT_COMMON;
      }
    }
    pointAttrTo[p] = attributes.size;
    pointCountsTo[p] = bucketCountsSize;
    pointBoundsTo[p] = boundsSize;
  }

  private void histogramPoint(int end) throws NotCommon {
    int p = newPoint();
    while (pos < end) {
      switch (tag(end)) {
        case T2_FIXED -> pointStart[p] = fixed64(end);
        case T3_FIXED -> pointTime[p] = fixed64(end);
        case T4_FIXED -> pointTotal[p] = fixed64(end);
        case T5_FIXED -> {
          pointHasSum[p] = true;
          pointSum[p] = Double.longBitsToDouble(fixed64(end));
        }
        case T6_FIXED -> addBucketCount(fixed64(end));
        case T6_LEN -> {
          int packedEnd = packedEnd(end);
          while (pos < packedEnd) {
            addBucketCount(fixed64(packedEnd));
          }
        }
        case T7_FIXED -> addBound(Double.longBitsToDouble(fixed64(end)));
        case T7_LEN -> {
          int packedEnd = packedEnd(end);
          while (pos < packedEnd) {
            addBound(Double.longBitsToDouble(fixed64(packedEnd)));
          }
        }
        case T8_LEN -> exemplar(length(end));
        case T9_LEN -> pointBlock[p] = merge(pointBlock[p], attributeRun(T9_LEN, end));
        case T10_VARINT -> pointFlags[p] = (int) varint(end);
        case T11_FIXED, T12_FIXED -> fixed64(end); // min, max: not kept
        default -> throw NOT_COMMON;
      }
    }
    pointAttrTo[p] = attributes.size;
    pointCountsTo[p] = bucketCountsSize;
    pointBoundsTo[p] = boundsSize;
  }

  /** The end of a packed run of fixed64 values; protobuf refuses a length that is no multiple. */
  private int packedEnd(int end) throws NotCommon {
    int packedEnd = length(end);
    if (((packedEnd - pos) & 7) != 0) {
      throw NOT_COMMON;
    }
    return packedEnd;
  }

  private void addBucketCount(long v) {
    if (bucketCountsSize == bucketCounts.length) {
      bucketCounts = Arrays.copyOf(bucketCounts, bucketCountsSize * 2);
    }
    bucketCounts[bucketCountsSize++] = v;
  }

  private void addBound(double v) {
    if (boundsSize == bounds.length) {
      bounds = Arrays.copyOf(bounds, boundsSize * 2);
    }
    bounds[boundsSize++] = v;
  }

  /** An Exemplar, checked and ignored (exemplars are not translated). */
  private void exemplar(int end) throws NotCommon {
    while (pos < end) {
      switch (tag(end)) {
        case T2_FIXED, T3_FIXED, T6_FIXED -> fixed64(end); // time, as_double, as_int
        case T4_LEN, T5_LEN -> pos = length(end); // span_id, trace_id: bytes
        case T7_LEN -> keyValue(length(end), false); // filtered_attributes
        default -> throw NOT_COMMON;
      }
    }
  }

  /** The block of attributes given so far in one run, then another: null for "more than one". */
  private static Block merge(Block before, Block run) {
    return before == Block.EMPTY ? run : null;
  }

  /**
   * A run of attributes: the KeyValue fields of tag {@code tag} that follow one another, the first
   * one's tag already read. Added to {@link #attributes} as {@link #keyValue} would add them one by
   * one, but looked up whole by their bytes first: the same series' data point comes with the very
   * same attribute bytes in every export, so a run seen before costs one hash and one comparison of
   * its bytes instead of a string lookup per key and value. Bytes equal to a run read before are
   * read the same way, so what is added is the same either way.
   */
  private Block attributeRun(int tag, int end) throws NotCommon {
    int start = pos;
    // Find where the run ends: the length of every KeyValue, the tags between them.
    int runEnd;
    while (true) {
      runEnd = length(end);
      pos = runEnd;
      if (runEnd >= end || tag(end) != tag) {
        break;
      }
    }
    Block known = blocks.get(b, start, runEnd - start);
    if (known != null) {
      attributes.addAll(known.keys, known.names, known.values);
      pos = runEnd;
      return known;
    }
    int from = attributes.size;
    pos = start;
    while (true) {
      keyValue(length(runEnd), true);
      if (pos >= runEnd) {
        break;
      }
      tag(runEnd); // the run's tag, as found above
    }
    return blocks.add(b, start, runEnd - start, attributes, from);
  }

  /**
   * A KeyValue: added to {@link #attributes} when {@code keep}, else only checked. A missing key
   * reads as {@code ""} (no label name), a missing value as {@code ""}.
   */
  private void keyValue(int end, boolean keep) throws NotCommon {
    StringTable.Entry key = null;
    String value = "";
    boolean seenValue = false;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> {
          if (key != null) {
            throw NOT_COMMON;
          }
          key = string(length(end));
        }
        case T2_LEN -> {
          if (seenValue) {
            throw NOT_COMMON;
          }
          seenValue = true;
          value = anyValue(length(end));
        }
        default -> throw NOT_COMMON;
      }
    }
    if (keep) {
      if (key == null) {
        attributes.add("", null, value);
      } else {
        attributes.add(key.string, key.labelName(), value);
      }
    }
  }

  /** An AnyValue's text as {@link AttributeValues#asString} gives it. */
  private String anyValue(int end) throws NotCommon {
    String text = "";
    boolean seen = false;
    while (pos < end) {
      if (seen) {
        throw NOT_COMMON; // a second member of the oneof
      }
      seen = true;
      switch (tag(end)) {
        case T1_LEN -> text = string(length(end)).string;
        case T2_VARINT -> text = varint(end) != 0 ? "true" : "false";
        case T3_VARINT -> text = Long.toString(varint(end));
        case T4_FIXED -> text = AttributeValues.doubleText(Double.longBitsToDouble(fixed64(end)));
        case T7_LEN -> {
          int bytesEnd = length(end);
          text =
              Base64.getEncoder()
                  .encodeToString(Arrays.copyOfRange(b, pos, bytesEnd)); // bytes_value
          pos = bytesEnd;
        }
        default -> throw NOT_COMMON; // array, map, unknown
      }
    }
    return text;
  }

  // ---- wire format ----

  /** A tag that protobuf reads the same way: one that fits 32 bits, field number not 0. */
  private int tag(int end) throws NotCommon {
    long tag = varint(end);
    if (tag >>> 32 != 0 || (tag >>> 3) == 0) {
      throw NOT_COMMON;
    }
    return (int) tag;
  }

  /** Reads a length and returns the end of the bytes it announces, which must lie within end. */
  private int length(int end) throws NotCommon {
    long length = varint(end);
    if (length < 0 || length > end - pos) {
      throw NOT_COMMON;
    }
    return pos + (int) length;
  }

  private long varint(int end) throws NotCommon {
    long x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw NOT_COMMON;
      }
      byte v = b[pos++];
      x |= (long) (v & 0x7f) << shift;
      if (v >= 0) {
        return x;
      }
    }
    throw NOT_COMMON; // more than ten bytes
  }

  private long fixed64(int end) throws NotCommon {
    if (end - pos < 8) {
      throw NOT_COMMON;
    }
    long v = (long) LONGS.get(b, pos);
    pos += 8;
    return v;
  }

  /** A string field that is not kept: it must still be valid UTF-8, as protobuf requires. */
  private void validString(int end) throws NotCommon {
    if (!validUtf8(b, pos, end)) {
      throw NOT_COMMON;
    }
    pos = end;
  }

  private StringTable.Entry string(int end) throws NotCommon {
    StringTable.Entry e = strings.get(b, pos, end - pos);
    if (e == null) {
      throw NOT_COMMON;
    }
    pos = end;
    return e;
  }

  /** Protobuf's own UTF-8 check for string fields, after a quick pass for plain ASCII. */
  static boolean validUtf8(byte[] b, int from, int to) {
    int i = from;
    while (i < to && b[i] >= 0) {
      i++;
    }
    return i == to || UnsafeByteOperations.unsafeWrap(b, i, to - i).isValidUtf8();
  }

  /** The attributes that one run of bytes reads as; identity stands for content. */
  static final class Block {
    /** No attributes at all. */
    static final Block EMPTY =
        new Block(new byte[0], 0, new String[0], new String[0], new String[0]);

    final byte[] bytes;
    final int hash;
    final String[] keys;
    final String[] names;
    final String[] values;

    Block(byte[] bytes, int hash, String[] keys, String[] names, String[] values) {
      this.bytes = bytes;
      this.hash = hash;
      this.keys = keys;
      this.names = names;
      this.values = values;
    }
  }

  /**
   * Attribute runs by their bytes: open addressing, starting over when full or past {@link
   * #MAX_BYTES} of runs (a flood of distinct runs costs what reading them would, no more). Each
   * start-over begins a new {@link #generation}: blocks of an older one are never returned again,
   * so a cache keyed by block identity drops its entries then.
   */
  static final class BlockTable {
    private static final int INITIAL = 1 << 4;
    static final int MAX = 1 << 18;
    static final long MAX_BYTES = 64L << 20;

    private final int maxSlots;
    private final long maxBytes;
    private Block[] table = new Block[INITIAL];
    private int size;
    private long bytes;
    private int generation;

    /**
     * @param maxSlots slots at most (a power of two), three quarters of them used
     * @param maxBytes bytes of runs at most
     */
    BlockTable(int maxSlots, long maxBytes) {
      this.maxSlots = maxSlots;
      this.maxBytes = maxBytes;
    }

    /** Counts start-overs. */
    int generation() {
      return generation;
    }

    Block get(byte[] b, int off, int len) {
      int hash = StringTable.hash(b, off, len);
      int mask = table.length - 1;
      int i = hash & mask;
      for (Block e = table[i]; e != null; e = table[i = (i + 1) & mask]) {
        if (e.hash == hash && Arrays.equals(e.bytes, 0, e.bytes.length, b, off, off + len)) {
          return e;
        }
      }
      return null;
    }

    /** Remembers the run {@code b[off..off+len)} as attributes {@code from..} of {@code list}. */
    Block add(byte[] b, int off, int len, AttributeList list, int from) {
      int to = list.size;
      Block e =
          new Block(
              Arrays.copyOfRange(b, off, off + len),
              StringTable.hash(b, off, len),
              Arrays.copyOfRange(list.keys, from, to),
              Arrays.copyOfRange(list.names, from, to),
              Arrays.copyOfRange(list.values, from, to));
      if (bytes + len > maxBytes) {
        table = new Block[INITIAL];
        size = 0;
        bytes = 0;
        generation++;
      }
      if ((size + 1) * 4 > table.length * 3) {
        Block[] old = table;
        if (old.length < maxSlots) {
          table = new Block[old.length * 2];
          size = 0;
          for (Block x : old) {
            if (x != null) {
              insert(x);
            }
          }
        } else {
          table = new Block[INITIAL];
          size = 0;
          bytes = 0;
          generation++;
        }
      }
      insert(e);
      bytes += len;
      return e;
    }

    private void insert(Block e) {
      int mask = table.length - 1;
      int i = e.hash & mask;
      while (table[i] != null) {
        i = (i + 1) & mask;
      }
      table[i] = e;
      size++;
    }
  }

  /**
   * Strings by their UTF-8 bytes: open addressing, starting over when full (a flood of distinct
   * values costs what decoding them would, no more).
   */
  static final class StringTable {
    private static final int INITIAL = 1 << 12;
    private static final int MAX = 1 << 17;

    static final class Entry {
      final byte[] bytes;
      final int hash;
      final String string;
      private final UnaryOperator<String> labelNamer;
      private String labelName;
      private boolean named;

      Entry(byte[] bytes, int hash, String string, UnaryOperator<String> labelNamer) {
        this.bytes = bytes;
        this.hash = hash;
        this.string = string;
        this.labelNamer = labelNamer;
      }

      /** {@link PrometheusNaming#labelName} of this string as a key, worked out once. */
      String labelName() {
        if (!named) {
          labelName = labelNamer.apply(string);
          named = true;
        }
        return labelName;
      }
    }

    private final UnaryOperator<String> labelNamer;
    private final UnaryOperator<String> symbols;
    private Entry[] table = new Entry[INITIAL];
    private int size;

    StringTable(UnaryOperator<String> labelNamer, UnaryOperator<String> symbols) {
      this.labelNamer = labelNamer;
      this.symbols = symbols;
    }

    /** The entry for these bytes; null when they are not valid UTF-8. */
    Entry get(byte[] b, int off, int len) {
      int hash = hash(b, off, len);
      int mask = table.length - 1;
      int i = hash & mask;
      for (Entry e = table[i]; e != null; e = table[i = (i + 1) & mask]) {
        if (e.hash == hash && Arrays.equals(e.bytes, 0, e.bytes.length, b, off, off + len)) {
          return e;
        }
      }
      if (!validUtf8(b, off, off + len)) {
        return null;
      }
      String s = symbols.apply(new String(b, off, len, StandardCharsets.UTF_8));
      Entry e = new Entry(Arrays.copyOfRange(b, off, off + len), hash, s, labelNamer);
      if ((size + 1) * 4 > table.length * 3) {
        Entry[] old = table;
        table = new Entry[Math.min(old.length * 2, MAX)];
        size = 0;
        if (old.length < MAX) {
          for (Entry x : old) {
            if (x != null) {
              insert(x);
            }
          }
        }
      }
      insert(e);
      return e;
    }

    private void insert(Entry e) {
      int mask = table.length - 1;
      int i = e.hash & mask;
      while (table[i] != null) {
        i = (i + 1) & mask;
      }
      table[i] = e;
      size++;
    }

    static int hash(byte[] b, int off, int len) {
      long h = len * 0x9E3779B97F4A7C15L;
      int i = 0;
      for (; i + 8 <= len; i += 8) {
        h = (h ^ (long) LONGS.get(b, off + i)) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
      }
      for (; i < len; i++) {
        h = (h ^ (b[off + i] & 0xff)) * 0x100000001B3L;
      }
      h ^= h >>> 32;
      return (int) h;
    }
  }
}
