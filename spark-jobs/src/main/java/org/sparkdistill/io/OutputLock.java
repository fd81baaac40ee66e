package org.sparkdistill.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per output: a lock file {@code _lock.json} in the output directory, created
 * atomically (exclusive create on the local filesystem, create-if-absent on HDFS), naming its
 * owner (host, process, run) and kept alive by a heartbeat that touches it every {@code
 * heartbeat}. A second run is refused with a message naming the owner; a lock whose heartbeat is
 * older than {@code timeout} belongs to a run that died and is taken over, with a warning (the
 * stale file is first renamed away, which only one taker can do).
 *
 * <p>Limit: S3A (Hadoop 3.3.4) has no create-if-absent, so on object stores the lock is a
 * check-then-write that two runs starting within the same moment can both pass; schedule one
 * writer per output there (Airflow: one task per output path, {@code max_active_runs=1}).
 */
public final class OutputLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutputLock.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String FILE_NAME = "_lock.json";

  /** Who holds a lock. */
  public record Owner(String host, String process, String run, String since) {
    @Override
    public String toString() {
      return "run " + run + " (process " + process + " on " + host + ", since " + since + ")";
    }
  }

  /** Thrown when another live run holds the lock. */
  public static final class HeldException extends IllegalStateException {
    HeldException(String message) {
      super(message);
    }
  }

  private final Path file;
  private final FileSystem fs;
  private final Owner owner;
  private final ScheduledExecutorService heartbeat;

  private OutputLock(Path file, FileSystem fs, Owner owner, Duration every) {
    this.file = file;
    this.fs = fs;
    this.owner = owner;
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "output-lock-heartbeat " + file.getParent().getName());
              t.setDaemon(true);
              return t;
            });
    long millis = Math.max(1, every.toMillis());
    heartbeat.scheduleAtFixedRate(this::touch, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lock of {@code outputDir} for {@code run}.
   *
   * @throws HeldException naming the owner when a live run holds it
   */
  public static OutputLock acquire(Path outputDir, String run, Configuration conf, Duration heartbeat, Duration timeout) {
    Path file = new Path(outputDir, FILE_NAME);
    try {
      FileSystem fs = file.getFileSystem(conf);
      fs.mkdirs(outputDir);
      Owner owner = new Owner(host(), ManagementFactory.getRuntimeMXBean().getName(), run, Instant.now().toString());
      for (int attempt = 0; attempt < 3; attempt++) {
        if (create(fs, file, owner)) {
          return new OutputLock(file, fs, owner, heartbeat);
        }
        Owner holder = read(fs, file);
        long age;
        try {
          age = System.currentTimeMillis() - fs.getFileStatus(file).getModificationTime();
        } catch (java.io.FileNotFoundException gone) {
          continue;
        }
        if (age <= timeout.toMillis()) {
          throw new HeldException(
              "output " + outputDir + " is being written by " + holder + ", last heartbeat " + age / 1000
                  + " s ago: one writer per output (wait for it to finish, or stop it; a lock without a heartbeat for "
                  + timeout.toSeconds() + " s is taken over)");
        }
        Path stale = new Path(outputDir, "._lock-stale-" + UUID.randomUUID() + ".json");
        if (fs.rename(file, stale)) {
          LOG.warn("Taking over the lock of {} from {}: no heartbeat for {} s (that run died)", outputDir, holder, age / 1000);
          fs.delete(stale, false);
        }
      }
      throw new HeldException("could not take the lock of output " + outputDir + " after 3 attempts: another run keeps taking it");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock output " + outputDir, e);
    }
  }

  private static boolean create(FileSystem fs, Path file, Owner owner) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(owner);
    if ("file".equals(fs.getScheme())) {
      try {
        Files.write(Paths.get(file.toUri().getPath()), bytes, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    if (fs.exists(file)) {
      return false;
    }
    try (OutputStream out = fs.create(file, false)) {
      out.write(bytes);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    }
  }

  private static Owner read(FileSystem fs, Path file) {
    try (InputStream in = fs.open(file)) {
      return JSON.readValue(in, Owner.class);
    } catch (IOException e) {
      return new Owner("?", "?", "unknown (unreadable lock " + file + ")", "?");
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }

  public Owner owner() {
    return owner;
  }

  private void touch() {
    try {
      fs.setTimes(file, System.currentTimeMillis(), -1);
    } catch (IOException e) {
      LOG.warn("Cannot refresh the lock {}: {}", file, e.toString());
    }
  }

  /** Stops the heartbeat and removes the lock, if it is still this run's. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      Owner holder = read(fs, file);
      if (owner.equals(holder)) {
        fs.delete(file, false);
      } else {
        LOG.warn("The lock {} was taken over by {} while this run held it", file, holder);
      }
    } catch (IOException e) {
      LOG.warn("Cannot remove the lock {}: {}", file, e.toString());
    }
  }
}
