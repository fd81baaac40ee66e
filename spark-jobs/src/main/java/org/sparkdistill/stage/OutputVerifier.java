package org.sparkdistill.stage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;

/**
 * {@code verify}: checks finished outputs against their manifests without Spark jobs. For each
 * stage: every listed file is present and reads to its end (on a checksummed filesystem such as
 * the local one, every byte is checked against its {@code .crc}); the Parquet footers' row counts
 * add up to the manifest's; and the stage's plan (which re-hashes the model and tokenizer files
 * with sha256 and re-reads the upstream manifests) still equals the manifest's fingerprint. Cost:
 * one sequential read of every output.
 */
public final class OutputVerifier {
  private OutputVerifier() {}

  /**
   * One stage's verdict.
   *
   * @param state {@code ok}, {@code missing}, {@code damaged} or {@code stale}
   * @param detail what was checked or what is wrong
   */
  public record Result(String stage, String output, String state, String detail) {
    public boolean ok() {
      return state.equals("ok") || state.equals("missing");
    }

    public String line() {
      return String.format(Locale.ROOT, "%-14s %-8s %s  (%s)", stage, state, detail, output);
    }
  }

  /** Verifies each stage's output. */
  public static List<Result> verify(List<Stage> stages, Configuration conf) {
    List<Result> out = new ArrayList<>();
    for (Stage s : stages) {
      out.add(verify(s, conf));
    }
    return out;
  }

  static Result verify(Stage s, Configuration conf) {
    StageOutput output = s.output();
    String dir = output.dir().toString();
    Optional<Manifest> manifest;
    try {
      manifest = output.manifest();
    } catch (RuntimeException e) {
      return new Result(s.name(), dir, "damaged", "the manifest cannot be read (" + e.getMessage() + "): rerun with --rebuild " + s.name());
    }
    if (manifest.isEmpty()) {
      return new Result(s.name(), dir, "missing", "no finished output");
    }
    Manifest m = manifest.get();
    long rows = 0;
    long bytes = 0;
    for (String file : m.files()) {
      Path path = new Path(output.dir(), file);
      try {
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path)) {
          return new Result(s.name(), dir, "damaged", "listed file " + file + " is missing: rerun with --rebuild " + s.name());
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = fs.open(path)) {
          int n;
          while ((n = in.read(buffer)) > 0) {
            bytes += n;
          }
        }
        if (file.endsWith(".parquet")) {
          try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
            rows += reader.getRecordCount();
          }
        }
      } catch (IOException | RuntimeException e) {
        return new Result(s.name(), dir, "damaged", "file " + file + " cannot be read (" + firstLine(e) + "): rerun with --rebuild " + s.name());
      }
    }
    boolean tabular = m.files().stream().anyMatch(f -> f.endsWith(".parquet"));
    if (tabular && rows != m.rowCount()) {
      return new Result(s.name(), dir, "damaged", "the Parquet footers hold " + rows + " rows, the manifest says " + m.rowCount() + ": rerun with --rebuild " + s.name());
    }
    String fingerprint;
    try {
      fingerprint = s.plan().fingerprint();
    } catch (RuntimeException e) {
      return new Result(s.name(), dir, "stale", "its inputs no longer match: " + firstLine(e));
    }
    if (!fingerprint.equals(m.fingerprint())) {
      return new Result(s.name(), dir, "stale", "made from other inputs, models or settings than the configuration says (`status` names them)");
    }
    return new Result(
        s.name(), dir, "ok",
        String.format(Locale.ROOT, "%d files, %,d bytes read%s, models and inputs match", m.files().size(), bytes, tabular ? ", " + rows + " rows as in the manifest" : ""));
  }

  private static String firstLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.split("\\R", 2)[0];
  }
}
