package org.sparkdistill.udfs.train;

import java.util.concurrent.locks.ReentrantLock;

/**
 * libtorch's random generator (dropout masks, weight initialisation) and DJL's gradient collector
 * are process-wide: anything that seeds the generator and then draws from it, or that records
 * gradients, must hold {@link #LOCK} so that concurrent tasks or trainers in one JVM neither break
 * each other's reproducibility nor open two gradient collectors.
 */
public final class TorchRandom {
  /** Held by every seeded draw and every training run in this JVM. */
  public static final ReentrantLock LOCK = new ReentrantLock();

  private TorchRandom() {}

  /** Runs {@code body} holding {@link #LOCK}, libtorch's generator seeded with {@code seed} first (a training run's whole body). */
  public static <T> T seeded(long seed, java.util.function.Supplier<T> body) {
    LOCK.lock();
    try {
      ai.djl.pytorch.jni.JniUtils.setSeed(seed);
      return body.get();
    } finally {
      LOCK.unlock();
    }
  }
}
