package org.sparkdistill.udfs.transformer;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;

/**
 * A DJL block whose shape comes from its {@link BertShape} and whose arrays come from imported
 * weights or saved parameters, never from {@code initialize} with input shapes: it records no
 * input shapes in its parameter file, refuses a file of another version, counts as initialised
 * once every parameter holds an array, and refuses shape inference.
 */
public abstract class WeightBuiltBlock extends AbstractBlock {
  private final byte version;

  protected WeightBuiltBlock(byte version) {
    super(version);
    this.version = version;
  }

  /** No input shapes are recorded: the block is built from its {@link BertShape}, never by {@code initialize}. */
  @Override
  protected final void saveMetadata(DataOutputStream os) {}

  @Override
  protected final void loadMetadata(byte loadVersion, DataInputStream is) throws MalformedModelException {
    if (loadVersion != version) {
      throw new MalformedModelException("unsupported " + getClass().getSimpleName() + " parameter version " + loadVersion + ", expected " + version);
    }
  }

  /** Initialised when every parameter holds an array (set from weights or loaded); never shape-inferred. */
  @Override
  public final boolean isInitialized() {
    for (Pair<String, Parameter> p : getParameters()) {
      if (!p.getValue().isInitialized()) {
        return false;
      }
    }
    return true;
  }

  @Override
  protected final void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    throw new IllegalStateException(getClass().getSimpleName() + " is built from weights or loaded parameters, never initialised from shapes");
  }
}
