package org.sparkdistill.io;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** A second JVM for {@link OutputLockTest}: takes the lock of args[0], says so in args[1], then waits to be killed. */
public final class OutputLockHolder {
  private OutputLockHolder() {}

  public static void main(String[] args) throws Exception {
    OutputLock lock = OutputLock.acquire(new Path(args[0]), "holder-run", new Configuration(), Duration.ofMillis(200), Duration.ofSeconds(60));
    Files.writeString(Paths.get(args[1]), lock.owner().process());
    Thread.sleep(120_000);
  }
}
