package org.sparkdistill.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * A GPU that Spark assigns to a task is refused, with the fix named, by a runtime that cannot use
 * it; checked here on the CPU build (no GPU needed) and against the rule with other provider sets.
 */
class GpuRuntimeChecksTest {
  private static final Path DIR = Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));

  @Test
  void theCpuBuildsOnnxRuntimeHasNoCudaProvider() {
    assertThat(OrtEnvironment.getAvailableProviders()).contains(OrtProvider.CPU).doesNotContain(OrtProvider.CUDA);
  }

  @Test
  void aGpuForTheCpuOnlyOnnxRuntimeIsAClearErrorBeforeAnyLoad() {
    EncoderSpec spec =
        new EncoderSpec(
            ModelFile.local("encoder.model", DIR.resolve("all-minilm-l6-v2.onnx")),
            ModelFile.local("encoder.tokenizer", DIR.resolve("all-minilm-l6-v2-tokenizer.json")),
            new TokenizerSettings(32, true),
            Pooling.MEAN,
            true,
            1,
            DeviceSelector.Preference.AUTO);
    // What an executor does when Spark assigned GPU 0 and encoder.device is auto.
    Device device = DeviceSelector.select(DeviceSelector.Preference.AUTO, new String[] {"0"});
    assertThat(device).isEqualTo(Device.gpu(0));
    assertThatThrownBy(() -> OnnxSentenceEncoder.load(spec, device))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("encoder.device chose gpu(0)")
        .hasMessageContaining("no CUDA")
        .hasMessageContaining("-Pgpu")
        .hasMessageContaining("encoder.device: cpu");
  }

  @Test
  void theOnnxRuleAcceptsCpuAlwaysAndGpuOnlyWithCuda() {
    assertThatCode(() -> OnnxRuntimeSupport.check(Device.cpu(), EnumSet.of(OrtProvider.CPU))).doesNotThrowAnyException();
    assertThatCode(() -> OnnxRuntimeSupport.check(Device.gpu(1), EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA)))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> OnnxRuntimeSupport.check(Device.gpu(0), EnumSet.of(OrtProvider.CPU)))
        .hasMessageContaining("[CPU]");
  }

  @Test
  void aGpuForTheCpuOnlyLibtorchIsAClearError() {
    assertThatThrownBy(() -> PyTorchSupport.requireDevice(Device.gpu(0)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("libtorch sees 0 CUDA devices")
        .hasMessageContaining("-Pgpu");
    assertThat(PyTorchSupport.requireDevice(Device.cpu())).isEqualTo(Device.cpu());
    assertThatCode(() -> PyTorchSupport.check(Device.gpu(1), 2)).doesNotThrowAnyException();
    assertThatThrownBy(() -> PyTorchSupport.check(Device.gpu(2), 2)).hasMessageContaining("sees 2 CUDA devices");
  }
}
