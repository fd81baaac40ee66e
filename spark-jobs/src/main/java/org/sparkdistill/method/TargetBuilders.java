package org.sparkdistill.method;

import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.method.kd.KdTargetBuilder;

/** The target builder that {@code targets.method} names. */
public final class TargetBuilders {
  private TargetBuilders() {}

  public static TargetBuilder of(DistillConfig.TargetSettings settings) {
    if (KdTargetBuilder.METHOD.equals(settings.method)) {
      return new KdTargetBuilder(settings.temperature);
    }
    throw new IllegalArgumentException("targets.method must be one of [kd], got: " + settings.method);
  }
}
