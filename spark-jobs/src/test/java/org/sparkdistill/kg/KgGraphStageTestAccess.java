package org.sparkdistill.kg;

import java.nio.file.Path;
import org.sparkdistill.config.DistillConfig;

/** The CI preset of {@link KgGraphStageTest}, for tests of other packages. */
public final class KgGraphStageTestAccess {
  private KgGraphStageTestAccess() {}

  public static DistillConfig ciPreset(Path work) {
    return KgGraphStageTest.ciPreset(work);
  }
}
