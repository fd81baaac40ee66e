package org.sparkdistill.udfs.model;

import ai.djl.Device;
import java.util.Locale;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Chooses the device a task runs its model on. On executors started with {@code
 * spark.executor.resource.gpu.amount} and {@code spark.task.resource.gpu.amount}, Spark hands each
 * task its GPU addresses; the task uses the first. Spark schedules no GPUs in local mode, so
 * there the task runs on the CPU unless {@code gpu} was demanded, which is then an error.
 */
public final class DeviceSelector {
  /** Accepted values of the {@code device} setting. */
  public enum Preference {
    /** The task's GPU when Spark assigned one, else the CPU. */
    AUTO,
    CPU,
    /** The task's GPU; no GPU assigned is an error. */
    GPU;

    public static Preference parse(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("device must be one of auto, cpu, gpu, got: " + value);
      }
    }
  }

  private DeviceSelector() {}

  /** The device for the task running on this thread. */
  public static Device forCurrentTask(Preference preference) {
    TaskContext task = TaskContext.get();
    String[] addresses = new String[0];
    if (task != null) {
      ResourceInformation gpu = task.resourcesJMap().get("gpu");
      if (gpu != null) {
        addresses = gpu.addresses();
      }
    }
    return select(preference, addresses);
  }

  /** The device for a task that Spark gave {@code gpuAddresses} (empty when none). */
  public static Device select(Preference preference, String[] gpuAddresses) {
    switch (preference) {
      case CPU:
        return Device.cpu();
      case GPU:
        if (gpuAddresses.length == 0) {
          throw new IllegalStateException(
              "device=gpu but Spark assigned this task no GPU: set spark.executor.resource.gpu.amount"
                  + " and spark.task.resource.gpu.amount (GPUs are not scheduled in local mode)");
        }
        return Device.gpu(parseAddress(gpuAddresses[0]));
      case AUTO:
      default:
        return gpuAddresses.length == 0 ? Device.cpu() : Device.gpu(parseAddress(gpuAddresses[0]));
    }
  }

  /**
   * The device of a model trained on the driver (the fine-tuned teachers, PMD's bi-encoders):
   * Spark schedules no GPU for the driver, so {@code auto} takes the first CUDA device libtorch
   * sees there and {@code gpu} demands one.
   *
   * @param setting names the setting in the error
   * @throws IllegalStateException for {@code gpu} when libtorch sees no CUDA device
   */
  public static Device forDriver(Preference preference, String setting) {
    return forDriver(preference, visibleGpus(), setting);
  }

  /** The rule of {@link #forDriver(Preference, String)} for {@code visibleGpus} CUDA devices (for tests). */
  static Device forDriver(Preference preference, int visibleGpus, String setting) {
    switch (preference) {
      case CPU:
        return Device.cpu();
      case GPU:
        if (visibleGpus == 0) {
          throw new IllegalStateException(setting + "=gpu but libtorch on the driver sees no CUDA device: run the driver on a GPU node with the -Pgpu build"
              + " (pytorch-native-cu124), or set " + setting + ": cpu");
        }
        return Device.gpu(0);
      case AUTO:
      default:
        return visibleGpus == 0 ? Device.cpu() : Device.gpu(0);
    }
  }

  private static int visibleGpus() {
    return ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
  }

  private static int parseAddress(String address) {
    try {
      return Integer.parseInt(address.trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "GPU address from Spark must be a device index such as 0, got: " + address, e);
    }
  }
}
