package org.sparkdistill.udfs.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;

/**
 * A frozen transformer encoder exported to ONNX (inputs {@code input_ids}, {@code
 * attention_mask}, {@code token_type_ids}; output {@code last_hidden_state}), run through DJL's
 * ONNX Runtime engine, with pooling done here.
 *
 * <p>The loaded model is shared by all task threads of a JVM (ONNX Runtime sessions are
 * thread-safe); each task opens its own {@link Session}, which owns a DJL predictor. Cost is
 * dominated by the encoder: about 2.7 GFLOP per 128-token text for a 6-layer, 384-wide model.
 * Batches are padded to their longest row, so sorting rows by length before batching saves work.
 */
public final class OnnxSentenceEncoder implements AutoCloseable {
  private final ZooModel<NDList, NDList> model;
  private final TextTokenizer tokenizer;
  private final EncoderSpec spec;

  private OnnxSentenceEncoder(ZooModel<NDList, NDList> model, TextTokenizer tokenizer, EncoderSpec spec) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.spec = spec;
  }

  /**
   * Loads the model and tokenizer named by {@code spec} on {@code device}.
   *
   * @throws ModelLoadException naming the file when either is missing or malformed
   */
  public static OnnxSentenceEncoder load(EncoderSpec spec, Device device) {
    OnnxRuntimeSupport.requireDevice(device);
    Path modelFile = spec.modelFile().localPath();
    TextTokenizer tokenizer;
    try {
      tokenizer = TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer());
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(e.getMessage(), e);
    }
    try {
      Criteria<NDList, NDList> criteria =
          Criteria.builder()
              .setTypes(NDList.class, NDList.class)
              .optModelPath(modelFile)
              .optEngine("OnnxRuntime")
              .optDevice(device)
              .optTranslator(new NoopTranslator())
              // DJL applies intraOpNumThreads only when interOpNumThreads is set too.
              .optOption("interOpNumThreads", "1")
              .optOption("intraOpNumThreads", Integer.toString(spec.intraOpThreads()))
              .build();
      return new OnnxSentenceEncoder(criteria.loadModel(), tokenizer, spec);
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      tokenizer.close();
      throw new ModelLoadException(
          "encoder model file is not a loadable ONNX model: " + modelFile + " (" + e.getMessage() + ")", e);
    }
  }

  public EncoderSpec spec() {
    return spec;
  }

  /** The tokenizer this encoder's texts go through (shared, thread-safe). */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** Opens a session for one task; not thread-safe, close it when the task ends. */
  public Session newSession() {
    return new Session(model.newPredictor());
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }

  /** One task's handle on the shared encoder. */
  public final class Session implements AutoCloseable {
    private final Predictor<NDList, NDList> predictor;

    private Session(Predictor<NDList, NDList> predictor) {
      this.predictor = predictor;
    }

    /** Encodes {@code texts}; {@code ids} name rows in errors. */
    public EncodedBatch encode(List<String> texts, List<String> ids) {
      return encode(tokenizer.tokenize(texts, ids));
    }

    /** Encodes an already tokenized batch (one model call; padding costs as much as tokens). */
    public EncodedBatch encode(TokenizedBatch tokens) {
      int batch = tokens.size();
      int length = tokens.length();
      float[] hidden;
      long dim;
      try (NDManager manager = model.getNDManager().newSubManager()) {
        NDList inputs =
            new NDList(
                named(manager.create(tokens.inputIds()), "input_ids"),
                named(manager.create(tokens.attentionMask()), "attention_mask"),
                named(manager.create(tokens.typeIds()), "token_type_ids"));
        NDList outputs = predictor.predict(inputs);
        NDArray last = outputs.get(0);
        Shape shape = last.getShape();
        if (shape.dimension() != 3 || shape.get(0) != batch || shape.get(1) != length) {
          throw new IllegalStateException(
              String.format(
                  Locale.ROOT,
                  "encoder %s must return last_hidden_state [batch=%d, length=%d, hidden], got shape %s",
                  spec.modelFile(),
                  batch,
                  length,
                  shape));
        }
        dim = shape.get(2);
        hidden = last.toFloatArray();
      } catch (TranslateException e) {
        throw new IllegalStateException("encoder " + spec.modelFile() + " failed on a batch of " + batch, e);
      }
      float[][] vectors = new float[batch][];
      for (int i = 0; i < batch; i++) {
        vectors[i] = pool(hidden, i, length, (int) dim, tokens.attentionMask()[i]);
      }
      return new EncodedBatch(vectors, tokens.numTokens(), tokens.truncated());
    }

    private float[] pool(float[] hidden, int row, int length, int dim, long[] mask) {
      double[] sum = new double[dim];
      int base = row * length * dim;
      if (spec.pooling() == Pooling.CLS) {
        for (int d = 0; d < dim; d++) {
          sum[d] = hidden[base + d];
        }
      } else {
        int count = 0;
        for (int t = 0; t < length; t++) {
          if (mask[t] == 0) {
            continue;
          }
          count++;
          int offset = base + t * dim;
          for (int d = 0; d < dim; d++) {
            sum[d] += hidden[offset + d];
          }
        }
        for (int d = 0; d < dim; d++) {
          sum[d] /= Math.max(count, 1);
        }
      }
      double norm = 1.0;
      if (spec.normalize()) {
        double squares = 0;
        for (double v : sum) {
          squares += v * v;
        }
        norm = Math.max(Math.sqrt(squares), 1e-12);
      }
      float[] out = new float[dim];
      for (int d = 0; d < dim; d++) {
        out[d] = (float) (sum[d] / norm);
      }
      return out;
    }

    @Override
    public void close() {
      predictor.close();
    }
  }

  private static NDArray named(NDArray array, String name) {
    array.setName(name);
    return array;
  }
}
