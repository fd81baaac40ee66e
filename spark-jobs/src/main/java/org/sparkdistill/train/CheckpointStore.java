package org.sparkdistill.train;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.io.VersionedFiles;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.ResumableAdam;

/**
 * Training checkpoints on any Hadoop filesystem, never overwritten in place: each checkpoint's
 * files (weights, optimizer moments, the best epoch's weights) go into a fresh directory {@code
 * epoch-<n>-<id>/}, and only then is a commit record naming that directory and the {@link
 * TrainingState} published with the project's write-once primitive ({@link VersionedFiles}). A
 * crash between any two files leaves the previous commit the newest, so a resume never mixes the
 * state of two epochs; directories that no retained commit names are removed. Each commit records the SHA-256 of its files; a restore checks them first, so a
 * damaged checkpoint is reported (and a resume falls back to the previous one) instead of loading
 * wrong weights. The last two commits are retained.
 *
 * <p>Cost per checkpoint: the parameters twice and the optimizer moments (about 16 bytes per
 * parameter; 34 MB for the default 2.1M-parameter student).
 */
public final class CheckpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  static final String WEIGHTS = "weights.params";
  static final String OPTIMIZER = "optimizer.bin";
  static final String BEST = "best.params";
  private static final String COMMIT_PREFIX = "_commit";
  private static final int RETAINED = 2;

  private final Path dir;
  private final Configuration conf;
  private final VersionedFiles<Commit> commits;
  private FaultHook faultHook = (epoch, file) -> {};

  /**
   * A published checkpoint: its directory (relative to the store), its files with their SHA-256
   * (checked on restore; null in checkpoints of older builds) and the training state.
   */
  public record Commit(String directory, List<String> files, TrainingState state, Map<String, String> sha256) {}

  /** A checkpoint that cannot be restored: a file missing, unreadable, or not what its commit recorded. */
  public static final class DamagedCheckpointException extends IllegalStateException {
    public DamagedCheckpointException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Test hook called before each file of a checkpoint is written ({@code "_commit"} for the record). */
  @FunctionalInterface
  public interface FaultHook {
    void beforeWrite(int epoch, String file);
  }

  public CheckpointStore(Path dir, Configuration conf) {
    this.dir = dir;
    this.conf = conf;
    this.commits = new VersionedFiles<>(dir, COMMIT_PREFIX, Commit.class, conf);
  }

  public Path dir() {
    return dir;
  }

  /** Installs a fault hook (tests: what a driver killed in the middle of a checkpoint looks like). */
  public CheckpointStore faultHook(FaultHook hook) {
    this.faultHook = hook;
    return this;
  }

  /** The newest complete checkpoint, if any. */
  public Optional<Commit> latest() {
    return commits.latest().map(VersionedFiles.Version::value);
  }

  /** A retained commit record, or why it cannot be read. */
  public record Entry(long number, Commit commit, String damage) {}

  /**
   * The retained checkpoints, newest first; a commit record that cannot be parsed is listed with
   * its damage (so a resume can fall back past it) instead of failing the listing.
   */
  public List<Entry> newestFirst() {
    List<Long> numbers = new ArrayList<>(commits.numbers());
    java.util.Collections.reverse(numbers);
    List<Entry> out = new ArrayList<>();
    for (long number : numbers) {
      try {
        out.add(new Entry(number, commits.read(number), null));
      } catch (FileNotFoundException vanished) {
        // removed by cleanup since the listing
      } catch (RuntimeException e) {
        out.add(new Entry(number, null, commits.path(number) + " is unreadable: " + oneLine(e)));
      }
    }
    return out;
  }

  /** Writes the checkpoint of {@code state.epoch}: files first, then the commit record. */
  public void write(TrainingState state, StudentModel student, ResumableAdam optimizer) {
    String name = String.format(Locale.ROOT, "epoch-%05d-r%05d-%s", state.epoch, state.round, UUID.randomUUID().toString().substring(0, 8));
    Path target = new Path(dir, name);
    Map<String, String> sha256 = new LinkedHashMap<>();
    try {
      FileSystem fs = fs();
      fs.mkdirs(target);
      faultHook.beforeWrite(state.epoch, WEIGHTS);
      sha256.put(WEIGHTS, writeFile(fs, new Path(target, WEIGHTS), student::saveParameters));
      faultHook.beforeWrite(state.epoch, OPTIMIZER);
      sha256.put(OPTIMIZER, writeFile(fs, new Path(target, OPTIMIZER), optimizer::save));
      faultHook.beforeWrite(state.epoch, BEST);
      sha256.put(BEST, writeFile(fs, new Path(target, BEST), out -> out.write(state.bestParameters == null ? new byte[0] : state.bestParameters)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + target, e);
    }
    faultHook.beforeWrite(state.epoch, COMMIT_PREFIX);
    commits.publish(new Commit(name, List.of(WEIGHTS, OPTIMIZER, BEST), state, sha256));
    commits.retainLatest(RETAINED);
    removeUncommitted();
  }

  /**
   * Restores {@code commit}: the student's weights, the optimizer's moments and the best epoch's
   * parameters (into {@code commit.state()}).
   *
   * @throws IllegalStateException naming the checkpoint file that is missing or unreadable
   */
  public TrainingState restore(Commit commit, StudentModel student, ResumableAdam optimizer) {
    Path checkpoint = new Path(dir, commit.directory());
    try {
      FileSystem fs = fs();
      // Every file is read and checked against its recorded SHA-256 before anything is loaded.
      byte[] weights = readChecked(fs, checkpoint, WEIGHTS, commit);
      byte[] moments = readChecked(fs, checkpoint, OPTIMIZER, commit);
      byte[] best = readChecked(fs, checkpoint, BEST, commit);
      student.loadParameters(new ByteArrayInputStream(weights));
      optimizer.load(new ByteArrayInputStream(moments), student.block(), student.model().getNDManager());
      commit.state().bestParameters = best.length == 0 ? null : best;
    } catch (IOException | RuntimeException e) {
      throw new DamagedCheckpointException("checkpoint " + checkpoint + " is damaged: " + oneLine(e), e);
    }
    return commit.state();
  }

  @FunctionalInterface
  private interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private static String writeFile(FileSystem fs, Path file, Writer writer) throws IOException {
    MessageDigest digest = sha256();
    try (OutputStream out = new DigestOutputStream(fs.create(file, false), digest)) {
      writer.write(out);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static byte[] readChecked(FileSystem fs, Path checkpoint, String name, Commit commit) throws IOException {
    Path file = new Path(checkpoint, name);
    byte[] bytes;
    try (InputStream in = open(fs, file)) {
      bytes = in.readAllBytes();
    }
    String expected = commit.sha256() == null ? null : commit.sha256().get(name);
    if (expected != null) {
      String actual = HexFormat.of().formatHex(sha256().digest(bytes));
      if (!actual.equals(expected)) {
        throw new IOException(file + " has SHA-256 " + actual + ", its commit recorded " + expected + " (" + bytes.length + " bytes)");
      }
    }
    return bytes;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.replaceAll("\\s*\\R\\s*", " ");
  }

  private static InputStream open(FileSystem fs, Path file) throws IOException {
    try {
      return fs.open(file);
    } catch (FileNotFoundException e) {
      throw new FileNotFoundException("missing checkpoint file " + file);
    }
  }

  /** Loads the best epoch's parameters of {@code state} into {@code student}. */
  public static void loadBest(TrainingState state, StudentModel student) {
    if (state.bestParameters == null) {
      return;
    }
    try {
      student.loadParameters(new ByteArrayInputStream(state.bestParameters));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore the best epoch's parameters", e);
    }
  }

  /** Deletes every checkpoint (after the student is published, or on --overwrite). */
  public void deleteAll() {
    try {
      fs().delete(dir, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete checkpoints under " + dir, e);
    }
  }

  private void removeUncommitted() {
    Set<String> keep = new HashSet<>();
    for (long number : commits.numbers()) {
      try {
        keep.add(commits.read(number).directory());
      } catch (FileNotFoundException vanished) {
        // removed meanwhile
      }
    }
    try {
      FileSystem fs = fs();
      List<Path> stale = new ArrayList<>();
      for (FileStatus status : fs.listStatus(dir)) {
        String name = status.getPath().getName();
        if (status.isDirectory() && name.startsWith("epoch-") && !keep.contains(name)) {
          stale.add(status.getPath());
        }
      }
      for (Path p : stale) {
        fs.delete(p, true);
      }
    } catch (IOException e) {
      LOG.warn("cannot remove stale checkpoints under {}: {}", dir, e.toString());
    }
  }

  private FileSystem fs() throws IOException {
    return dir.getFileSystem(conf);
  }
}
