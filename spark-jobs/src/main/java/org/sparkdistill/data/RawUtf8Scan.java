package org.sparkdistill.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.input.PortableDataStream;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * The strict UTF-8 check of text inputs on their raw bytes, before Spark's CSV and JSON readers
 * (which substitute U+FFFD for malformed bytes) see them. One Spark task per file streams it
 * through {@link StrictUtf8Reader} (gzip decompressed when the file starts with the gzip magic
 * bytes): cost one extra read of the input, 64 KiB of buffer per task, nothing collected but one
 * line per file. Also reports a truncated or corrupt {@code .gz} with its cause.
 */
final class RawUtf8Scan {
  private RawUtf8Scan() {}

  /** What one file's scan found. */
  record FileResult(String file, String problem, boolean bom, long lines) implements java.io.Serializable {}

  /**
   * Scans every data file under {@code path}.
   *
   * @throws IllegalArgumentException naming the first file (by path) with a problem
   */
  static List<FileResult> require(SparkSession spark, String path, String format) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int files = Math.max(1, RawFiles.dataFiles(path, spark.sparkContext().hadoopConfiguration()).size());
    spark.sparkContext().setJobDescription("prepare: strict UTF-8 check of " + path);
    List<FileResult> results =
        sc.binaryFiles(path, Math.min(files, 1000)).map((Tuple2<String, PortableDataStream> f) -> scan(f._1(), f._2())).collect();
    spark.sparkContext().setJobDescription(null);
    results.stream()
        .filter(r -> r.problem() != null)
        .sorted(java.util.Comparator.comparing(FileResult::file))
        .findFirst()
        .ifPresent(r -> {
          throw new IllegalArgumentException(r.file() + " (data.format: " + format + "): " + r.problem());
        });
    return results;
  }

  static FileResult scan(String file, PortableDataStream stream) {
    try (InputStream raw = new BufferedInputStream(stream.open(), 1 << 16)) {
      return scan(file, raw);
    } catch (IOException e) {
      return new FileResult(file, "cannot read the file: " + e.getMessage(), false, 0);
    }
  }

  /** Scans one stream; never throws for bad content (the problem is returned). */
  static FileResult scan(String file, InputStream raw) throws IOException {
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    boolean gzip = b0 == 0x1f && b1 == 0x8b;
    long lines = 0;
    boolean bom = false;
    boolean first = true;
    char[] buffer = new char[1 << 14];
    try (Reader reader = new StrictUtf8Reader(gzip ? new GZIPInputStream(raw, 1 << 16) : raw)) {
      int n;
      while ((n = reader.read(buffer, 0, buffer.length)) > 0) {
        for (int i = 0; i < n; i++) {
          if (first) {
            bom = buffer[i] == '\uFEFF';
            first = false;
          }
          if (buffer[i] == '\n') {
            lines++;
          }
        }
      }
      return new FileResult(file, null, bom, lines);
    } catch (InvalidUtf8Exception e) {
      return new FileResult(file, e.getMessage() + "; the text must be UTF-8: convert the file (e.g. iconv -f LATIN1 -t UTF-8) or fix those bytes", bom, lines);
    } catch (EOFException e) {
      return new FileResult(
          file,
          String.format(Locale.ROOT, "the gzip data ends early after %d complete lines (%s): the file is truncated; copy or download it again", lines, e.getMessage()),
          bom,
          lines);
    } catch (ZipException e) {
      return new FileResult(
          file,
          String.format(Locale.ROOT, "corrupt gzip data after %d complete lines (%s): the file is damaged; copy or download it again", lines, e.getMessage()),
          bom,
          lines);
    }
  }
}
