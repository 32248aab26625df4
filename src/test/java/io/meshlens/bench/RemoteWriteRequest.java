package io.meshlens.bench;

import com.google.protobuf.CodedOutputStream;
import io.meshlens.model.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.xerial.snappy.Snappy;

/**
 * A Prometheus remote-write 1.0 {@code WriteRequest} (prometheus/prompb/remote.proto, types.proto),
 * encoded by hand: {@code timeseries = 1} of {@code TimeSeries{labels = 1 (Label{name = 1, value =
 * 2}), samples = 2 (Sample{value = 1 double, timestamp = 2 int64 ms})}}, snappy-compressed (block
 * format) as the receiver expects.
 */
public final class RemoteWriteRequest {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes, 1 << 16);
  private int series;

  /** Adds one series with {@code n} samples (labels must be sorted by name, as Labels are). */
  public void add(Labels labels, long[] timestamps, double[] values, int n) {
    try {
      int labelsSize = 0;
      for (int j = 0; j < labels.size(); j++) {
        int ls = labelSize(labels.name(j), labels.value(j));
        labelsSize += 1 + CodedOutputStream.computeUInt32SizeNoTag(ls) + ls;
      }
      int samplesSize = 0;
      for (int s = 0; s < n; s++) {
        int ss = sampleSize(timestamps[s]);
        samplesSize += 1 + CodedOutputStream.computeUInt32SizeNoTag(ss) + ss;
      }
      out.writeTag(1, 2);
      out.writeUInt32NoTag(labelsSize + samplesSize);
      for (int j = 0; j < labels.size(); j++) {
        out.writeTag(1, 2);
        out.writeUInt32NoTag(labelSize(labels.name(j), labels.value(j)));
        out.writeString(1, labels.name(j));
        out.writeString(2, labels.value(j));
      }
      for (int s = 0; s < n; s++) {
        out.writeTag(2, 2);
        out.writeUInt32NoTag(sampleSize(timestamps[s]));
        out.writeDouble(1, values[s]);
        out.writeInt64(2, timestamps[s]);
      }
      series++;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int seriesCount() {
    return series;
  }

  /** The snappy-compressed request body. */
  public byte[] compressed() {
    try {
      out.flush();
      return Snappy.compress(bytes.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int labelSize(String name, String value) {
    return CodedOutputStream.computeStringSize(1, name)
        + CodedOutputStream.computeStringSize(2, value);
  }

  private static int sampleSize(long timestamp) {
    return CodedOutputStream.computeDoubleSize(1, 0)
        + CodedOutputStream.computeInt64Size(2, timestamp);
  }
}
