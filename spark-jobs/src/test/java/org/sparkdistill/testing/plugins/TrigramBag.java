package org.sparkdistill.testing.plugins;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.sparkdistill.udfs.student.StudentArchitecture;
import org.sparkdistill.udfs.student.StudentBatch;
import org.sparkdistill.udfs.student.StudentFeaturizer;

/**
 * A test-only student kind ({@code trigram-bag}): hashed character trigrams, a mean-pooled
 * embedding and one linear layer written from scratch, registered through {@code
 * META-INF/services} in the test resources only. It proves that a student plugs in without any
 * change to the stages or trainers.
 */
public record TrigramBag(List<String> labels, int buckets, int dim) implements StudentArchitecture {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String KIND = "trigram-bag";

  public static final class Factory implements StudentArchitecture.Factory {
    @Override
    public String kind() {
      return KIND;
    }

    @Override
    public StudentArchitecture fromJson(JsonNode config) {
      return JSON.convertValue(config, TrigramBag.class);
    }

    @Override
    public StudentArchitecture fromSettings(JsonNode settings, List<String> outputs) {
      return new TrigramBag(outputs, settings.get("buckets").asInt(), settings.get("embeddingDim").asInt());
    }
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public List<String> outputs() {
    return labels;
  }

  @Override
  public StudentFeaturizer featurizer() {
    int b = buckets;
    return text -> {
      String s = " " + text.toLowerCase(java.util.Locale.ROOT) + " ";
      int n = Math.max(1, Math.min(200, s.length() - 2));
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        String gram = s.substring(i, Math.min(s.length(), i + 3));
        ids[i] = 1 + Math.floorMod(gram.hashCode(), b);
      }
      return ids;
    };
  }

  @Override
  public Block newBlock() {
    return new Net(this);
  }

  @Override
  public void initialize(Block block, NDManager manager, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    block.setInitializer(
        (Initializer) (m, shape, type) -> {
          float[] values = new float[(int) shape.size()];
          double scale = 1.0 / Math.sqrt(shape.get(shape.dimension() - 1));
          for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
          }
          return m.create(values, shape);
        },
        Parameter.Type.WEIGHT);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
  }

  @Override
  public NDList inputs(List<int[]> features, NDManager manager) {
    return StudentBatch.of(features).toNDList(manager);
  }

  @Override
  public Map<String, Shape> parameterShapes() {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    shapes.put("table", new Shape(buckets + 1L, dim));
    shapes.put("out.weight", new Shape(labels.size(), dim));
    shapes.put("out.bias", new Shape(labels.size()));
    return shapes;
  }

  @Override
  public long parameterCount() {
    return (buckets + 1L) * dim + (long) labels.size() * dim + labels.size();
  }

  @Override
  public JsonNode toJson() {
    return JSON.valueToTree(this);
  }

  private static final class Net extends AbstractBlock {
    private final Parameter table;
    private final Block out;

    Net(TrigramBag a) {
      table = addParameter(Parameter.builder().setName("table").setType(Parameter.Type.WEIGHT).optShape(new Shape(a.buckets + 1L, a.dim)).build());
      out = addChildBlock("out", ai.djl.nn.core.Linear.builder().setUnits(a.labels.size()).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray ids = inputs.get(0).toType(DataType.INT64, false);
      NDArray mask = inputs.get(1).toType(DataType.FLOAT32, false);
      NDArray vectors = Embedding.embedding(ids, ps.getValue(table, ids.getDevice(), training), SparseFormat.DENSE).singletonOrThrow();
      NDArray pooled = vectors.mul(mask.expandDims(2)).sum(new int[] {1}).div(mask.sum(new int[] {1}, true).maximum(1f));
      return out.forward(ps, new NDList(pooled), training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return out.getOutputShapes(new Shape[] {new Shape(inputShapes[0].get(0), table.getArray() == null ? 1 : table.getArray().getShape().get(1))});
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      long dim = table.getShape().get(1);
      out.initialize(manager, dataType, new Shape(inputShapes[0].get(0), dim));
    }
  }
}
