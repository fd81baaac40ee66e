package org.sparkdistill.udfs.student;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * The student-architecture seam: everything that differs between kinds of student (the hashed
 * n-gram embedding bag, a small transformer, ...) in one place. {@link StudentModel} holds one
 * architecture with its weights and does everything the kinds share: device, scoring, the
 * readout, save and load; the training step and the driver's loop never look inside.
 *
 * <p>An architecture is an immutable, serialisable description (its JSON form is the {@code
 * config} of {@code student.json}). New kinds register a {@link Factory} through {@code
 * META-INF/services/org.sparkdistill.udfs.student.StudentArchitecture$Factory}; nothing in the
 * stages or trainers changes.
 */
public interface StudentArchitecture extends Serializable {
  /** The registered kind, written to {@code student.json} as {@code "architecture"}. */
  String kind();

  /** Names of the network's outputs, in logit order (the method's target width). */
  List<String> outputs();

  /** Text to features, on executors and on the driver. */
  StudentFeaturizer featurizer();

  /** A new, uninitialised network. */
  Block newBlock();

  /**
   * Allocates and fills the parameters of {@code block} (from {@link #newBlock()}) on {@code
   * manager}, from {@code seed} alone (same seed, same parameters, whatever libtorch's state).
   */
  void initialize(Block block, NDManager manager, long seed);

  /** The network's input arrays for a batch of featurized texts (N ≥ 1 rows). */
  NDList inputs(List<int[]> features, NDManager manager);

  /** Parameter shapes in the block's parameter order, checked when weights are loaded. */
  Map<String, Shape> parameterShapes();

  /** Exact number of trainable parameters. */
  long parameterCount();

  /** The JSON form read back by this kind's {@link Factory#fromJson}. */
  JsonNode toJson();

  /**
   * Files this kind needs beside {@code student.json} and {@code student.params} (a tokenizer, a
   * vocabulary), by file name: {@link StudentModel#save} writes them and {@link
   * Factory#fromJson(JsonNode, java.nio.file.Path)} reads them back. Default: none.
   */
  default Map<String, byte[]> files() {
    return Map.of();
  }

  /**
   * The Adam learning rate of parameter {@code parameter} at optimizer step {@code step} (1 for the
   * first) when the run's rate is {@code base} ({@code student.learningRate}). Default: {@code base}
   * for every parameter and step; a kind with pretrained and fresh parts (or a warm-up) differs.
   */
  default double learningRate(String parameter, double base, long step) {
    return base;
  }

  /** Reads an architecture of one kind from its JSON form. */
  interface Factory {
    String kind();

    /**
     * Reads a saved architecture ({@link #toJson()}).
     *
     * @throws IllegalArgumentException naming the field that is missing or invalid
     */
    StudentArchitecture fromJson(JsonNode config);

    /**
     * Reads a saved architecture from its JSON form and the {@link StudentArchitecture#files()} in
     * the student directory {@code dir}. Default: {@link #fromJson(JsonNode)}.
     *
     * @throws IllegalArgumentException naming the field or file that is missing or invalid
     */
    default StudentArchitecture fromJson(JsonNode config, java.nio.file.Path dir) {
      return fromJson(config);
    }

    /**
     * A new architecture from the run's student settings (the {@code student:} block of the
     * configuration as JSON; take the fields this kind uses, ignore the rest) with the given output
     * names (the method's target width).
     *
     * @throws IllegalArgumentException naming the setting that is invalid
     */
    StudentArchitecture fromSettings(JsonNode studentSettings, List<String> outputs);
  }
}
