package org.sparkdistill.method.lelp;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;

/**
 * The Spark ML parameters shared by {@link LelpEstimator} and {@link LelpModel}, declared once
 * (names, docs, validators and defaults in {@link Declared}); the config settings {@code
 * targets.lelp.*} take their defaults from the constants here.
 *
 * <ul>
 *   <li>{@code subclasses} S ≥ 1: pseudo-subclasses per class (student outputs C·S);
 *   <li>{@code subclassTemperature} β &gt; 0: softmax_s(z_{c,s} / β) splits p_c;
 *   <li>{@code teacherTemperature} τ &gt; 0: p_c = softmax(logits / τ)_c;
 *   <li>{@code nullSpace}: project the features onto the null space of the teacher head W first;
 *   <li>{@code centre}: principal directions of the class covariance and z measured from the class
 *       mean (false: of the uncentred second moment, z = ⟨v, h⟩);
 *   <li>{@code whiten}: divide each principal direction by the square root of its eigenvalue before
 *       the rotation, so z_{c,·} has identity covariance over class c's fit rows and β is in
 *       units of its standard deviation (false: raw projections, whose scale is the features'; for
 *       L2-normalised sentence embeddings their standard deviation is about 0.1, so β of order 1
 *       gives nearly uniform subclass splits);
 *   <li>{@code membership}: which rows define class c: {@code prediction} (the teacher's argmax,
 *       every row) or {@code label} (labelled rows only);
 *   <li>{@code seed}: the random orthonormal rotation Q_c of each class (seed + class index);
 *   <li>{@code labels}: the class labels in logit order.
 * </ul>
 */
public interface LelpParams extends Params {
  int DEFAULT_SUBCLASSES = 4;
  double DEFAULT_SUBCLASS_TEMPERATURE = 1.0;
  double DEFAULT_TEACHER_TEMPERATURE = 1.0;
  boolean DEFAULT_NULL_SPACE = true;
  boolean DEFAULT_CENTRE = true;
  boolean DEFAULT_WHITEN = false;
  String DEFAULT_MEMBERSHIP = LelpMembership.PREDICTION;
  long DEFAULT_SEED = 7;

  /** The declared parameters of this instance. */
  Declared lelp();

  default IntParam subclasses() {
    return lelp().subclasses;
  }

  default DoubleParam subclassTemperature() {
    return lelp().subclassTemperature;
  }

  default DoubleParam teacherTemperature() {
    return lelp().teacherTemperature;
  }

  default BooleanParam nullSpace() {
    return lelp().nullSpace;
  }

  default BooleanParam centre() {
    return lelp().centre;
  }

  default BooleanParam whiten() {
    return lelp().whiten;
  }

  default Param<String> membership() {
    return lelp().membership;
  }

  default LongParam seed() {
    return lelp().seed;
  }

  default StringArrayParam labels() {
    return lelp().labels;
  }

  default int getSubclasses() {
    return (Integer) getOrDefault(subclasses());
  }

  default double getSubclassTemperature() {
    return (Double) getOrDefault(subclassTemperature());
  }

  default double getTeacherTemperature() {
    return (Double) getOrDefault(teacherTemperature());
  }

  default boolean getNullSpace() {
    return (Boolean) getOrDefault(nullSpace());
  }

  default boolean getCentre() {
    return (Boolean) getOrDefault(centre());
  }

  default boolean getWhiten() {
    return (Boolean) getOrDefault(whiten());
  }

  default String getMembership() {
    return getOrDefault(membership());
  }

  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  default java.util.List<String> getLabels() {
    if (!isDefined(labels())) {
      throw new IllegalStateException(uid() + ": the LELP parameter labels (the class labels in logit order) is not set");
    }
    return java.util.List.of(getOrDefault(labels()));
  }

  /** The parameter objects of one owner, with their validators and defaults. */
  final class Declared implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final IntParam subclasses;
    final DoubleParam subclassTemperature;
    final DoubleParam teacherTemperature;
    final BooleanParam nullSpace;
    final BooleanParam centre;
    final BooleanParam whiten;
    final Param<String> membership;
    final LongParam seed;
    final StringArrayParam labels;

    /** Declares the parameters on {@code owner} (whose uid is set) and sets their defaults. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Declared(Params owner) {
      String uid = owner.uid();
      subclasses = new IntParam(uid, "subclasses", "pseudo-subclasses S per class (>= 1)", ParamValidators.gtEq(1));
      subclassTemperature =
          new DoubleParam(uid, "subclassTemperature", "beta > 0: p_{c,s} = p_c softmax_s(z_{c,s} / beta)", ParamValidators.gt(0));
      teacherTemperature = new DoubleParam(uid, "teacherTemperature", "tau > 0: p_c = softmax(logits / tau)_c", ParamValidators.gt(0));
      nullSpace = new BooleanParam(uid, "nullSpace", "project the features onto the null space of the teacher head W first");
      centre = new BooleanParam(uid, "centre", "class covariance and z measured from the class mean (false: uncentred)");
      whiten = new BooleanParam(uid, "whiten", "scale each principal direction by 1/sqrt(eigenvalue) before the rotation: z has identity covariance within its class, beta is in units of its std");
      membership =
          new Param<>(uid, "membership", "rows that define class c: prediction (teacher argmax) or label", (scala.Function1) ParamValidators.inArray(LelpMembership.VALUES.toArray(new String[0])));
      seed = new LongParam(owner, "seed", "seed of the random orthonormal rotation per class");
      labels = new StringArrayParam(owner, "labels", "class labels in logit order");
      owner.setDefault(subclasses, DEFAULT_SUBCLASSES);
      owner.setDefault(subclassTemperature, DEFAULT_SUBCLASS_TEMPERATURE);
      owner.setDefault(teacherTemperature, DEFAULT_TEACHER_TEMPERATURE);
      owner.setDefault(nullSpace, DEFAULT_NULL_SPACE);
      owner.setDefault(centre, DEFAULT_CENTRE);
      owner.setDefault(whiten, DEFAULT_WHITEN);
      owner.setDefault(membership, DEFAULT_MEMBERSHIP);
      owner.setDefault(seed, DEFAULT_SEED);
    }
  }
}
