package org.sparkdistill.udfs.inference;

import ai.djl.Device;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.ModelCache;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;

/**
 * What one encode task holds: a lease on this executor's cached encoder for the task's device, a
 * session of its own, and the task's progress log. The lease and the session are released when
 * the Spark task completes (not when the iterator is drained), so cache eviction cannot close the
 * encoder under a running task. Cost: the first task per executor and device loads the model
 * (seconds); later tasks only open a session.
 */
record EncoderTask(OnnxSentenceEncoder encoder, OnnxSentenceEncoder.Session session, TaskProgress progress) {

  /**
   * Opens the encoder for the current task.
   *
   * @param progressName what the progress lines call this work
   * @param alsoRelease closed first when the task completes (e.g. a tokenizer the task opened);
   *     null for nothing
   */
  static EncoderTask open(EncoderSpec spec, String progressName, AutoCloseable alsoRelease) {
    Device device = DeviceSelector.forCurrentTask(spec.device());
    ModelCache.Lease<OnnxSentenceEncoder> lease =
        ModelCache.acquire(spec.cacheKey(device), () -> OnnxSentenceEncoder.load(spec, device));
    OnnxSentenceEncoder.Session session;
    try {
      session = lease.get().newSession();
    } catch (RuntimeException e) {
      lease.close();
      throw e;
    }
    TaskProgress progress = new TaskProgress(progressName);
    progress.finishWithTask(
        () -> {
          try {
            if (alsoRelease != null) {
              alsoRelease.close();
            }
          } catch (Exception e) {
            throw new IllegalStateException("could not release " + alsoRelease + " at the end of the " + progressName + " task", e);
          } finally {
            session.close();
            lease.close();
          }
        });
    return new EncoderTask(lease.get(), session, progress);
  }
}
