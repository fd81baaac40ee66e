package org.sparkdistill.stage;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicInteger;
import org.sparkdistill.udfs.train.StudentLoss;

/**
 * A test loss that computes exactly what its delegate computes, except that the executor JVM
 * running its {@code afterCalls}-th batch SIGKILLs itself in the middle of that training step
 * (once per test: the first JVM to get there creates {@code marker}; the retried task finds it and
 * trains normally). What an executor lost mid-round looks like, without timing races.
 */
final class SelfKillingLoss implements StudentLoss {
  private static final long serialVersionUID = 1L;
  private static final AtomicInteger CALLS = new AtomicInteger();

  private final StudentLoss delegate;
  private final String marker;
  private final int afterCalls;

  SelfKillingLoss(StudentLoss delegate, Path marker, int afterCalls) {
    this.delegate = delegate;
    this.marker = marker.toString();
    this.afterCalls = afterCalls;
  }

  @Override
  public NDArray compute(NDArray studentLogits, NDArray targets, NDArray labels, NDArray weights) {
    NDArray loss = delegate.compute(studentLogits, targets, labels, weights);
    if (CALLS.incrementAndGet() >= afterCalls && claim()) {
      long pid = ProcessHandle.current().pid();
      try {
        Files.writeString(Paths.get(marker), Long.toString(pid));
        new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start().waitFor();
        Thread.sleep(60_000); // never reached: SIGKILL
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException("could not kill executor " + pid, e);
      }
    }
    return loss;
  }

  private boolean claim() {
    try {
      Files.createFile(Paths.get(marker + ".claimed"));
      return true;
    } catch (FileAlreadyExistsException taken) {
      return false;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
