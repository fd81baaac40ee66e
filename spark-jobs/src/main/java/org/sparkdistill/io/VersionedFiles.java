package org.sparkdistill.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * The one publish primitive of the project: a sequence of write-once, numbered JSON records in a
 * directory ({@code <prefix>.00000001.json}, {@code <prefix>.00000002.json}, ...). A record is never
 * overwritten; the current value is the highest-numbered record. Stage manifests and checkpoint
 * commits are published this way, so there is no moment without a complete, valid version on any
 * Hadoop filesystem:
 *
 * <ul>
 *   <li>local disk and HDFS: the record is written to a temporary file, then renamed to its final
 *       name with {@code FileContext.rename(..., NONE)}, which refuses an existing target (atomic
 *       on HDFS; on the local filesystem the existence check and the rename are two steps, which
 *       only matters for two concurrent writers: one writer per output is the rule);
 *   <li>object stores (S3A), where rename is a copy: the record is written with one PUT to its
 *       final name ({@code create(path, false)}), which an object store makes visible whole.
 * </ul>
 *
 * Readers list the records, take the highest number and parse it; if cleanup removed it between
 * the listing and the read they list again. Cleanup ({@link #retainLatest}) keeps the newest
 * records, so a reader that read the previous version still finds what it names.
 *
 * @param <T> the record type, bound with Jackson
 */
public final class VersionedFiles<T> {
  private static final ObjectMapper JSON = StageOutput.JSON;
  private static final int READ_ATTEMPTS = 5;

  private final Path dir;
  private final String prefix;
  private final Class<T> type;
  private final Configuration conf;
  private final Pattern name;

  /** A published record and its number. */
  public record Version<T>(long number, Path path, T value) {}

  public VersionedFiles(Path dir, String prefix, Class<T> type, Configuration conf) {
    if (prefix.isEmpty() || prefix.contains("/")) {
      throw new IllegalArgumentException("prefix must be a non-empty file name prefix, got: " + prefix);
    }
    this.dir = dir;
    this.prefix = prefix;
    this.type = type;
    this.conf = conf;
    this.name = Pattern.compile(Pattern.quote(prefix) + "\\.(\\d{8,})\\.json");
  }

  public Path dir() {
    return dir;
  }

  /** The path of record {@code number}. */
  public Path path(long number) {
    return new Path(dir, String.format(Locale.ROOT, "%s.%08d.json", prefix, number));
  }

  /** Numbers of the published records, ascending. */
  public List<Long> numbers() {
    List<Long> out = new ArrayList<>();
    try {
      FileSystem fs = fs();
      if (!fs.exists(dir)) {
        return out;
      }
      for (FileStatus status : fs.listStatus(dir)) {
        Matcher m = name.matcher(status.getPath().getName());
        if (status.isFile() && m.matches()) {
          out.add(Long.parseLong(m.group(1)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    out.sort(Long::compare);
    return out;
  }

  /** The highest-numbered record, if any. */
  public Optional<Version<T>> latest() {
    for (int attempt = 1; ; attempt++) {
      List<Long> numbers = numbers();
      if (numbers.isEmpty()) {
        return Optional.empty();
      }
      long number = numbers.get(numbers.size() - 1);
      try {
        return Optional.of(new Version<>(number, path(number), read(number)));
      } catch (FileNotFoundException vanished) {
        if (attempt >= READ_ATTEMPTS) {
          throw new UncheckedIOException("records under " + dir + " keep vanishing while read", vanished);
        }
      }
    }
  }

  /** Record {@code number}; FileNotFoundException when it does not exist (any more). */
  public T read(long number) throws FileNotFoundException {
    Path path = path(number);
    try (InputStream in = fs().open(path)) {
      return JSON.readValue(in, type);
    } catch (FileNotFoundException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException(
          path + " is unreadable or not a spark-distill " + type.getSimpleName() + " record: " + e.getMessage()
              + " (published records are written whole, so this file was damaged after publication)",
          e);
    }
  }

  /**
   * Publishes {@code value} as the next record and returns its number.
   *
   * @throws IllegalStateException when another writer published that number first
   */
  public long publish(T value) {
    List<Long> numbers = numbers();
    long number = numbers.isEmpty() ? 1 : numbers.get(numbers.size() - 1) + 1;
    Path target = path(number);
    Path temp = new Path(dir, "." + prefix + "." + number + "-" + UUID.randomUUID() + ".tmp");
    try {
      FileSystem fs = fs();
      fs.mkdirs(dir);
      if (isObjectStore(fs)) {
        try (OutputStream out = fs.create(target, false)) {
          JSON.writeValue(out, value);
        }
        return number;
      }
      try (OutputStream out = fs.create(temp, false)) {
        JSON.writeValue(out, value);
      }
      try {
        // FileContext needs a URI with its authority: hdfs:///x (the default namenode) is
        // qualified against fs.defaultFS first, as FileSystem does by itself.
        FileContext.getFileContext(fs.makeQualified(dir).toUri(), conf)
            .rename(fs.makeQualified(temp), fs.makeQualified(target), Options.Rename.NONE);
      } finally {
        fs.delete(temp, false);
      }
      return number;
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException(
          target + " was published by another writer at the same time: one writer per output (rerun once the other run has finished)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish " + target, e);
    }
  }

  /** Deletes all but the newest {@code keep} records (and stray temporary files). */
  public void retainLatest(int keep) {
    List<Long> numbers = numbers();
    try {
      FileSystem fs = fs();
      for (int i = 0; i < numbers.size() - keep; i++) {
        fs.delete(path(numbers.get(i)), false);
      }
      if (fs.exists(dir)) {
        for (FileStatus status : fs.listStatus(dir)) {
          String file = status.getPath().getName();
          if (file.startsWith("." + prefix + ".") && file.endsWith(".tmp")) {
            fs.delete(status.getPath(), false);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean records under " + dir, e);
    }
  }

  private FileSystem fs() throws IOException {
    return dir.getFileSystem(conf);
  }

  /** Filesystems where rename is a copy (S3A, GCS, ABFS without hierarchical namespace). */
  static boolean isObjectStore(FileSystem fs) {
    String scheme = fs.getScheme();
    return scheme != null && (scheme.startsWith("s3") || scheme.equals("gs") || scheme.equals("oss") || scheme.equals("cos"));
  }
}
