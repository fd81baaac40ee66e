package org.sparkdistill.method.pmd;

import java.util.Map;
import java.util.function.Function;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageProvider;

/**
 * Registers PMD's stages with the stage graph: the zero-shot ranking, the bi-encoder teacher's
 * fine-tuning and its ranking (README "PMD: knowledge graph completion").
 */
public final class PmdStages implements StageProvider {
  @Override
  public Map<String, Function<StageContext, Stage>> stages() {
    return Map.of(
        ZeroShotStage.NAME, ZeroShotStage::new,
        BiEncoderFineTuneStage.NAME, BiEncoderFineTuneStage::new,
        TeacherRankingStage.NAME, TeacherRankingStage::new);
  }
}
