package org.sparkdistill.udfs.model;

import ai.djl.Device;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.util.EnumSet;
import java.util.Set;

/**
 * Refuses to hand a GPU to an ONNX Runtime build that has no CUDA execution provider. The default
 * build ships {@code com.microsoft.onnxruntime:onnxruntime} (CPU only); {@code -Pgpu} swaps in
 * {@code onnxruntime_gpu}. Without this check a task given a GPU by Spark ({@code encoder.device:
 * auto}) fails deep inside DJL with an opaque "CUDA is not supported" session error.
 */
public final class OnnxRuntimeSupport {
  private OnnxRuntimeSupport() {}

  /** Throws when {@code device} is a GPU and this JVM's ONNX Runtime cannot use CUDA. */
  public static void requireDevice(Device device) {
    if (device.isGpu()) {
      check(device, OrtEnvironment.getAvailableProviders());
    }
  }

  /** The rule, separated from the native library for tests: a GPU needs the CUDA provider. */
  static void check(Device device, Set<OrtProvider> available) {
    if (device.isGpu() && !available.contains(OrtProvider.CUDA)) {
      throw new ModelLoadException(
          "encoder.device chose " + device + " (the GPU Spark assigned this task) but this build's ONNX Runtime has only "
              + (available.isEmpty() ? EnumSet.of(OrtProvider.CPU) : available)
              + " execution providers, no CUDA: build the job jar with -Pgpu (onnxruntime_gpu, CUDA 12)"
              + " or set encoder.device: cpu");
    }
  }
}
