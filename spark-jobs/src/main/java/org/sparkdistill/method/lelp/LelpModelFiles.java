package org.sparkdistill.method.lelp;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

/**
 * The on-disk form of a {@link LelpModel}, written and read by the project itself (Spark's {@code
 * DefaultParamsWriter} is internal): a directory with
 *
 * <ul>
 *   <li>{@code metadata.json}: format, class, uid, Spark version, every param's value, C, S, d,
 *       the fit figures and the sha256 of the weights file;
 *   <li>{@code weights.bin}: magic {@code LELPW001}, then C, S, d (int32, big-endian), then per
 *       class its d×S directions (row-major) and S offsets (float64, big-endian).
 * </ul>
 *
 * Any Hadoop filesystem. The reader refuses another format, a damaged or truncated weights file
 * (checksum) and dimensions that disagree, naming the file.
 */
public final class LelpModelFiles {
  public static final String DIR = "lelp-model";
  static final String METADATA = "metadata.json";
  static final String WEIGHTS = "weights.bin";
  static final String FORMAT = "spark-distill-lelp-1";
  private static final byte[] MAGIC = "LELPW001".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final ObjectMapper JSON = new ObjectMapper();

  private LelpModelFiles() {}

  /** Writes {@code model} into directory {@code dir} (which must not hold a model yet). */
  public static void write(LelpModel model, Path dir, Configuration conf) throws IOException {
    FileSystem fs = dir.getFileSystem(conf);
    byte[] weights = weightBytes(model.weights());
    try (OutputStream out = fs.create(new Path(dir, WEIGHTS), false)) {
      out.write(weights);
    }
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("class", LelpModel.class.getName());
    meta.put("uid", model.uid());
    meta.put("sparkVersion", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("subclasses", model.getSubclasses());
    params.put("subclassTemperature", model.getSubclassTemperature());
    params.put("teacherTemperature", model.getTeacherTemperature());
    params.put("nullSpace", model.getNullSpace());
    params.put("centre", model.getCentre());
    params.put("whiten", model.getWhiten());
    params.put("membership", model.getMembership());
    params.put("seed", model.getSeed());
    params.put("labels", model.getLabels());
    meta.put("params", params);
    meta.put("classes", model.weights().classes());
    meta.put("dim", model.weights().dim());
    meta.put("figures", model.metrics());
    meta.put("weightsSha256", sha256(weights));
    try (OutputStream out = fs.create(new Path(dir, METADATA), false)) {
      JSON.writerWithDefaultPrettyPrinter().writeValue(out, meta);
    }
  }

  /** Reads the model in directory {@code dir}. */
  @SuppressWarnings("unchecked")
  public static LelpModel read(Path dir, Configuration conf) throws IOException {
    FileSystem fs = dir.getFileSystem(conf);
    Path metaPath = new Path(dir, METADATA);
    Map<String, Object> meta;
    try (InputStream in = fs.open(metaPath)) {
      meta = JSON.readValue(in, Map.class);
    }
    if (!FORMAT.equals(meta.get("format"))) {
      throw new IllegalArgumentException(metaPath + ": format is " + meta.get("format") + ", expected " + FORMAT + " (a LELP model written by spark-distill)");
    }
    Path weightsPath = new Path(dir, WEIGHTS);
    byte[] bytes;
    try (InputStream in = fs.open(weightsPath)) {
      bytes = in.readAllBytes();
    }
    if (!sha256(bytes).equals(meta.get("weightsSha256"))) {
      throw new IllegalArgumentException(weightsPath + ": sha256 differs from the one " + metaPath + " records: the file is damaged or was replaced; refit the model");
    }
    LelpModel.Weights weights = parseWeights(bytes, weightsPath.toString());
    int classes = ((Number) meta.get("classes")).intValue();
    int dim = ((Number) meta.get("dim")).intValue();
    if (weights.classes() != classes || weights.dim() != dim) {
      throw new IllegalArgumentException(weightsPath + ": holds " + weights.classes() + " classes of dimension " + weights.dim() + ", " + metaPath + " says " + classes + " and " + dim);
    }
    Map<String, Object> figures = (Map<String, Object>) meta.getOrDefault("figures", Map.of());
    LelpModel model = new LelpModel((String) meta.get("uid"), weights, figures);
    Map<String, Object> params = (Map<String, Object>) meta.get("params");
    model.set(model.subclasses(), ((Number) params.get("subclasses")).intValue());
    model.set(model.subclassTemperature(), ((Number) params.get("subclassTemperature")).doubleValue());
    model.set(model.teacherTemperature(), ((Number) params.get("teacherTemperature")).doubleValue());
    model.set(model.nullSpace(), (Boolean) params.get("nullSpace"));
    model.set(model.centre(), (Boolean) params.get("centre"));
    model.set(model.whiten(), (Boolean) params.getOrDefault("whiten", Boolean.FALSE)); // absent: written before the setting existed
    model.set(model.membership(), (String) params.get("membership"));
    model.set(model.seed(), ((Number) params.get("seed")).longValue());
    model.set(model.labels(), ((List<String>) params.get("labels")).toArray(new String[0]));
    if (model.getSubclasses() != weights.subclasses() || model.getLabels().size() != weights.classes()) {
      throw new IllegalArgumentException(metaPath + ": params say S = " + model.getSubclasses() + " over " + model.getLabels().size() + " labels, " + weightsPath + " holds S = " + weights.subclasses() + " over " + weights.classes());
    }
    return model;
  }

  static byte[] weightBytes(LelpModel.Weights w) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.write(MAGIC);
      out.writeInt(w.classes());
      out.writeInt(w.subclasses());
      out.writeInt(w.dim());
      for (int c = 0; c < w.classes(); c++) {
        for (double v : w.directions()[c]) {
          out.writeDouble(v);
        }
        for (double v : w.offsets()[c]) {
          out.writeDouble(v);
        }
      }
    }
    return buffer.toByteArray();
  }

  static LelpModel.Weights parseWeights(byte[] bytes, String source) throws IOException {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new IllegalArgumentException(source + ": not a LELP weights file (no LELPW001 header)");
      }
      int classes = in.readInt();
      int s = in.readInt();
      int d = in.readInt();
      long expected = MAGIC.length + 12L + (long) classes * ((long) d * s + s) * 8;
      if (classes < 1 || s < 1 || d < 1 || expected != bytes.length) {
        throw new IllegalArgumentException(source + ": header says C = " + classes + ", S = " + s + ", d = " + d + " (" + expected + " bytes), the file has " + bytes.length + " bytes");
      }
      double[][] directions = new double[classes][d * s];
      double[][] offsets = new double[classes][s];
      for (int c = 0; c < classes; c++) {
        for (int i = 0; i < d * s; i++) {
          directions[c][i] = in.readDouble();
        }
        for (int i = 0; i < s; i++) {
          offsets[c][i] = in.readDouble();
        }
      }
      return new LelpModel.Weights(classes, s, d, directions, offsets);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Spark ML's writer for {@link LelpModel#write()}; honours {@code overwrite()}. */
  static final class Writer extends MLWriter {
    private final LelpModel model;

    Writer(LelpModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      try {
        write(model, new Path(path), sparkSession().sparkContext().hadoopConfiguration());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot write the LELP model to " + path, e);
      }
    }
  }

  /** Spark ML's reader for {@link LelpModel#read()}. */
  static final class Reader extends MLReader<LelpModel> {
    @Override
    public LelpModel load(String path) {
      try {
        return read(new Path(path), sparkSession().sparkContext().hadoopConfiguration());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot read the LELP model at " + path, e);
      }
    }
  }
}
