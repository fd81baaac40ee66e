package org.sparkdistill.stage;

import java.util.Map;
import java.util.function.Function;

/**
 * Stages beyond the text chain, registered as a {@link java.util.ServiceLoader} service ({@code
 * META-INF/services/org.sparkdistill.stage.StageProvider}), so the shared stage graph names no
 * method: e.g. the knowledge-graph stages ({@code kg.KgStages}) and PMD's ({@code
 * method.pmd.PmdStages}). A provider's stage names must not repeat the chain's or another
 * provider's; {@link StageGraph} refuses a repeat, naming both providers.
 */
public interface StageProvider {
  /** Stage name to constructor (each stage's {@code NAME}). */
  Map<String, Function<StageContext, Stage>> stages();
}
