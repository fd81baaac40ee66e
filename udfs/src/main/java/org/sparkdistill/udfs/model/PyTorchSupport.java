package org.sparkdistill.udfs.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Refuses to hand a GPU to a libtorch that cannot see one: the default build ships {@code
 * pytorch-native-cpu}; {@code -Pgpu} swaps in {@code pytorch-native-cu124}.
 */
public final class PyTorchSupport {
  private PyTorchSupport() {}

  /** {@code device}, after checking that a GPU device is usable by the PyTorch engine. */
  public static Device requireDevice(Device device) {
    if (device.isGpu()) {
      check(device, Engine.getEngine("PyTorch").getGpuCount());
    }
    return device;
  }

  /** The rule, separated from the native library for tests. */
  static void check(Device device, int visibleGpus) {
    if (device.isGpu() && device.getDeviceId() >= visibleGpus) {
      throw new ModelLoadException(
          "encoder.device chose " + device + " (the GPU Spark assigned this task) but libtorch sees " + visibleGpus
              + " CUDA devices: a CPU-only build (build the job jar with -Pgpu for pytorch-native-cu124),"
              + " or the executor's GPU is not visible to the container; or set encoder.device: cpu");
    }
  }
}
