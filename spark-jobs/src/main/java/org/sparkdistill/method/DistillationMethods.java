package org.sparkdistill.method;

import java.util.Map;
import java.util.TreeMap;
import org.sparkdistill.config.DistillConfig;

/** The registered distillation methods ({@link DistillationMethod.Factory} services). */
public final class DistillationMethods {
  private DistillationMethods() {}

  /** Every registered method by name. */
  public static Map<String, DistillationMethod.Factory> factories() {
    Map<String, DistillationMethod.Factory> out = new TreeMap<>();
    for (DistillationMethod.Factory factory : org.sparkdistill.udfs.Services.load(DistillationMethod.Factory.class)) {
      out.putIfAbsent(factory.name(), factory);
    }
    return out;
  }

  /**
   * The method {@code targets.method} names, created from {@code config}.
   *
   * @throws IllegalArgumentException naming the bad value and the registered methods
   */
  public static DistillationMethod of(DistillConfig config) {
    DistillationMethod.Factory factory = factories().get(config.targets.method);
    if (factory == null) {
      throw new IllegalArgumentException("targets.method must be one of " + factories().keySet() + ", got: " + config.targets.method);
    }
    return factory.create(config);
  }
}
