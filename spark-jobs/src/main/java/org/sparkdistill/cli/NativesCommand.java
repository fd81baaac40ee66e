package org.sparkdistill.cli;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Extracts the native libraries once, for container images: libtorch into DJL's cache ({@code
 * DJL_CACHE_DIR} / {@code ENGINE_CACHE_DIR}, where executors then find it without writing), and
 * ONNX Runtime's libraries into a directory executors name with {@code
 * -Donnxruntime.native.path=DIR} (otherwise ONNX Runtime extracts them to a temporary file in
 * every JVM). No Spark session. Used by {@code deploy/docker/Dockerfile}.
 */
@Command(name = "natives", mixinStandardHelpOptions = true, description = "Extract libtorch into the DJL cache and ONNX Runtime's libraries into a directory (container images).")
final class NativesCommand implements Callable<Integer> {
  /** ONNX Runtime's libraries for Linux x86-64, CPU and GPU builds; those present are copied. */
  static final List<String> ONNXRUNTIME_LIBRARIES =
      List.of(
          "libonnxruntime.so",
          "libonnxruntime4j_jni.so",
          "libonnxruntime_providers_shared.so",
          "libonnxruntime_providers_cuda.so",
          "libonnxruntime_providers_tensorrt.so");

  @Option(names = "--onnxruntime-dir", paramLabel = "DIR", required = true, description = "Where to put ONNX Runtime's native libraries.")
  Path onnxruntimeDir;

  @Override
  public Integer call() throws IOException {
    Engine pytorch = Engine.getEngine("PyTorch");
    System.out.println("libtorch " + pytorch.getVersion() + " ready in the DJL cache (GPUs visible: " + pytorch.getGpuCount() + ")");
    List<String> copied = extractOnnxRuntime(onnxruntimeDir);
    System.out.println("ONNX Runtime libraries in " + onnxruntimeDir + ": " + copied);
    return 0;
  }

  /** Copies the ONNX Runtime libraries on the classpath into {@code dir}; at least the core two must exist. */
  static List<String> extractOnnxRuntime(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> copied = new ArrayList<>();
    for (String name : ONNXRUNTIME_LIBRARIES) {
      try (InputStream in = NativesCommand.class.getClassLoader().getResourceAsStream("ai/onnxruntime/native/linux-x64/" + name)) {
        if (in != null) {
          Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
          copied.add(name);
        }
      }
    }
    if (!copied.containsAll(ONNXRUNTIME_LIBRARIES.subList(0, 2))) {
      throw new IllegalStateException("ONNX Runtime's linux-x64 libraries are not on the classpath (found " + copied + "): is this the job jar?");
    }
    return copied;
  }
}
