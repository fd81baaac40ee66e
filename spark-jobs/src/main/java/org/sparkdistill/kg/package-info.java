/**
 * Knowledge graphs for knowledge-graph completion, shared by every KGC method: the graph from
 * WordNet or a user's tables ({@link org.sparkdistill.kg.KgGraphStage}, read back with {@link
 * org.sparkdistill.kg.KgGraph}), and exact filtered ranking over all entities as a Spark job
 * ({@link org.sparkdistill.kg.FilteredRanking}, queries from {@link
 * org.sparkdistill.kg.RankingQueries}, metrics in {@link org.sparkdistill.kg.RankingMetrics}).
 */
package org.sparkdistill.kg;
