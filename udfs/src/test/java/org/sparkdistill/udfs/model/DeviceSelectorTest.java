package org.sparkdistill.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DeviceSelectorTest {
  @Test
  void autoUsesTheTasksFirstGpuOrFallsBackToCpu() {
    assertThat(DeviceSelector.select(DeviceSelector.Preference.AUTO, new String[] {"3", "4"})).isEqualTo(Device.gpu(3));
    assertThat(DeviceSelector.select(DeviceSelector.Preference.AUTO, new String[0])).isEqualTo(Device.cpu());
    // Outside a Spark task (local loops, the driver) there is no GPU assignment.
    assertThat(DeviceSelector.forCurrentTask(DeviceSelector.Preference.AUTO)).isEqualTo(Device.cpu());
  }

  @Test
  void cpuIsHonouredEvenWhenAGpuIsAssigned() {
    assertThat(DeviceSelector.select(DeviceSelector.Preference.CPU, new String[] {"0"})).isEqualTo(Device.cpu());
  }

  @Test
  void gpuWithoutAnAssignedGpuIsAnError() {
    assertThatThrownBy(() -> DeviceSelector.select(DeviceSelector.Preference.GPU, new String[0]))
        .hasMessageContaining("spark.task.resource.gpu.amount");
    assertThatThrownBy(() -> DeviceSelector.select(DeviceSelector.Preference.GPU, new String[] {"gpu-a"}))
        .hasMessageContaining("gpu-a");
    assertThatThrownBy(() -> DeviceSelector.Preference.parse("tpu")).hasMessageContaining("auto, cpu, gpu").hasMessageContaining("tpu");
  }

  @Test
  void theDriverTakesItsFirstCudaDeviceWhenAskedOrAutoAndRefusesGpuWithoutOne() {
    assertThat(DeviceSelector.forDriver(DeviceSelector.Preference.AUTO, 0, "pmd.finetune.device")).isEqualTo(Device.cpu());
    assertThat(DeviceSelector.forDriver(DeviceSelector.Preference.AUTO, 2, "pmd.finetune.device")).isEqualTo(Device.gpu(0));
    assertThat(DeviceSelector.forDriver(DeviceSelector.Preference.CPU, 2, "pmd.finetune.device")).isEqualTo(Device.cpu());
    assertThat(DeviceSelector.forDriver(DeviceSelector.Preference.GPU, 1, "pmd.finetune.device")).isEqualTo(Device.gpu(0));
    assertThatThrownBy(() -> DeviceSelector.forDriver(DeviceSelector.Preference.GPU, 0, "teacher.finetune.device"))
        .hasMessageContaining("teacher.finetune.device=gpu but libtorch on the driver sees no CUDA device")
        .hasMessageContaining("set teacher.finetune.device: cpu");
  }
}
