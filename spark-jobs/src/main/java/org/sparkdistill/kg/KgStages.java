package org.sparkdistill.kg;

import java.util.Map;
import java.util.function.Function;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageProvider;

/** Registers the knowledge-graph stage ({@link KgGraphStage}) with the stage graph. */
public final class KgStages implements StageProvider {
  @Override
  public Map<String, Function<StageContext, Stage>> stages() {
    return Map.of(KgGraphStage.NAME, KgGraphStage::new);
  }
}
