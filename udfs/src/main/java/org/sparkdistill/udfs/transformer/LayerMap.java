package org.sparkdistill.udfs.transformer;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkdistill.udfs.onnx.OnnxInitializers;

/**
 * Which teacher layer each layer of a smaller BERT starts from (DistilBERT's initialisation: the
 * student's layer i is a copy of the teacher's layer {@code layers[i]}; embeddings are copied
 * whole). {@code [0, 3, 5]} makes a 3-layer student from layers 0, 3 and 5 of a 6-layer teacher.
 *
 * <p>Rules (each broken one is a one-line error naming {@link #KEY}, the rule and the map): at
 * least one layer, no layer named twice, every layer ≥ 0; against a teacher ({@link #check}): no
 * more layers than the teacher has and every layer below the teacher's count. The order is free:
 * student layer i always runs i-th.
 *
 * @param layers the teacher layer of each student layer, in student order
 * @param key the configuration key errors name ({@link #KEY} unless the map comes from elsewhere)
 */
public record LayerMap(int[] layers, String key) implements Serializable {
  /** The configuration key errors name. */
  public static final String KEY = "student.transformer.layers";

  public LayerMap {
    key = key == null ? KEY : key;
    if (layers == null || layers.length == 0) {
      throw new IllegalArgumentException(key + " must name at least one teacher layer, got: " + (layers == null ? "null" : "[]"));
    }
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] < 0) {
        throw new IllegalArgumentException(key + " must name teacher layers >= 0, got " + layers[i] + " in " + Arrays.toString(layers));
      }
      for (int j = 0; j < i; j++) {
        if (layers[j] == layers[i]) {
          throw new IllegalArgumentException(key + " names teacher layer " + layers[i] + " twice in " + Arrays.toString(layers) + ": each student layer needs its own teacher layer");
        }
      }
    }
    layers = layers.clone();
  }

  /** A map of {@link #KEY}. */
  public LayerMap(int[] layers) {
    this(layers, KEY);
  }

  /** The map of a list (a configuration value). */
  public static LayerMap of(List<Integer> layers) {
    return of(layers, KEY);
  }

  /** The map of a list found under the configuration key {@code key}. */
  public static LayerMap of(List<Integer> layers, String key) {
    if (layers == null) {
      return new LayerMap(null, key);
    }
    int[] out = new int[layers.size()];
    for (int i = 0; i < out.length; i++) {
      if (layers.get(i) == null) {
        throw new IllegalArgumentException(key + " must list layer numbers, got a null in " + layers);
      }
      out[i] = layers.get(i);
    }
    return new LayerMap(out, key);
  }

  /** Student layers. */
  public int size() {
    return layers.length;
  }

  /** The teacher layer of student layer {@code i}. */
  public int teacherLayer(int i) {
    return layers[i];
  }

  @Override
  public int[] layers() {
    return layers.clone();
  }

  /**
   * Checks the map against a teacher of {@code teacherLayers} layers read from {@code source}.
   *
   * @throws IllegalArgumentException naming the key, the map, the teacher's layer count and the file
   */
  public void check(int teacherLayers, String source) {
    if (layers.length > teacherLayers) {
      throw new IllegalArgumentException(
          key + " " + Arrays.toString(layers) + " has " + layers.length + " layers, more than the " + teacherLayers + " of the teacher " + source + ": name at most " + teacherLayers);
    }
    for (int layer : layers) {
      if (layer >= teacherLayers) {
        throw new IllegalArgumentException(
            key + " " + Arrays.toString(layers) + " names teacher layer " + layer + ", but the teacher " + source + " has layers 0 to " + (teacherLayers - 1));
      }
    }
  }

  /** The student's shape: the teacher's with {@link #size()} layers. */
  public BertShape studentShape(BertShape teacher) {
    return new BertShape(teacher.vocabSize(), teacher.maxPositions(), teacher.typeVocabSize(), teacher.hidden(), layers.length, teacher.heads(), teacher.intermediate(), teacher.layerNormEps());
  }

  /**
   * The student's initial weights: the teacher's embeddings, and as student layer i every tensor of
   * teacher layer {@code layers[i]} renamed to layer i (the same float arrays, not copies).
   *
   * @param source names the teacher in errors
   */
  public BertWeights apply(BertWeights teacher, String source) {
    check(teacher.shape().layers(), source);
    BertShape shape = studentShape(teacher.shape());
    Map<String, OnnxInitializers.Tensor> out = new LinkedHashMap<>();
    for (String name : BertWeights.names(shape.layers())) {
      out.put(name, teacher.tensors().get(teacherName(name)));
    }
    return new BertWeights(shape, out);
  }

  /** The teacher's name of a student parameter ({@code encoder.layer.1.x} → {@code encoder.layer.<layers[1]>.x}). */
  public String teacherName(String studentName) {
    String prefix = "encoder.layer.";
    if (!studentName.startsWith(prefix)) {
      return studentName;
    }
    int dot = studentName.indexOf('.', prefix.length());
    int i = Integer.parseInt(studentName.substring(prefix.length(), dot));
    return prefix + layers[i] + studentName.substring(dot);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LayerMap m && Arrays.equals(m.layers, layers);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(layers);
  }

  @Override
  public String toString() {
    return Arrays.toString(layers);
  }
}
