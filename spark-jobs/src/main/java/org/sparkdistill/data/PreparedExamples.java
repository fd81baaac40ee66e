package org.sparkdistill.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The result of {@link ExamplePreparer#prepare()}.
 *
 * @param examples rows of {@code CacheSchemas.examples()}: one per kept text, {@code label} null on
 *     the transfer split. Lazy: every action on it recomputes the (deterministic) pipeline from the
 *     source; persist it if it is used more than once.
 * @param report counts of what was read, dropped and kept
 * @param quarantine with {@code data.onInvalid: skip}, the rejected rows ({@code
 *     CacheSchemas.quarantine()}); null when none was rejected
 * @param invalidRows how many rows {@code quarantine} holds
 */
public record PreparedExamples(Dataset<Row> examples, PrepareReport report, Dataset<Row> quarantine, long invalidRows) {}
