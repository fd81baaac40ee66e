package org.sparkdistill.train;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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
 * state of two epochs; directories that no retained commit names are removed.
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

  /** A published checkpoint: its directory (relative to the store) and the training state. */
  public record Commit(String directory, List<String> files, TrainingState state) {}

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

  /** Writes the checkpoint of {@code state.epoch}: files first, then the commit record. */
  public void write(TrainingState state, StudentModel student, ResumableAdam optimizer) {
    String name = String.format(Locale.ROOT, "epoch-%05d-%s", state.epoch, UUID.randomUUID().toString().substring(0, 8));
    Path target = new Path(dir, name);
    try {
      FileSystem fs = fs();
      fs.mkdirs(target);
      faultHook.beforeWrite(state.epoch, WEIGHTS);
      try (OutputStream out = fs.create(new Path(target, WEIGHTS), false)) {
        student.saveParameters(out);
      }
      faultHook.beforeWrite(state.epoch, OPTIMIZER);
      try (OutputStream out = fs.create(new Path(target, OPTIMIZER), false)) {
        optimizer.save(out);
      }
      faultHook.beforeWrite(state.epoch, BEST);
      try (OutputStream out = fs.create(new Path(target, BEST), false)) {
        out.write(state.bestParameters == null ? new byte[0] : state.bestParameters);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + target, e);
    }
    faultHook.beforeWrite(state.epoch, COMMIT_PREFIX);
    commits.publish(new Commit(name, List.of(WEIGHTS, OPTIMIZER, BEST), state));
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
      try (InputStream in = open(fs, new Path(checkpoint, WEIGHTS))) {
        student.loadParameters(in);
      }
      try (InputStream in = open(fs, new Path(checkpoint, OPTIMIZER))) {
        optimizer.load(in, student.block(), student.model().getNDManager());
      }
      try (InputStream in = open(fs, new Path(checkpoint, BEST))) {
        byte[] best = in.readAllBytes();
        commit.state().bestParameters = best.length == 0 ? null : best;
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "checkpoint " + checkpoint + " is damaged: " + e.getMessage() + " (rerun with --overwrite to discard the checkpoints and train from scratch)", e);
    }
    return commit.state();
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
