package org.sparkdistill.io;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The record a stage publishes last, next to its data, as a write-once record {@code _manifest.<n>.json}. An output
 * without a manifest is unfinished; readers read only the files a manifest lists, so a reader
 * never sees half-written data and an object store needs no atomic rename.
 *
 * @param schemaVersion version of the Parquet schemas ({@code CacheSchemas.VERSION})
 * @param stage the stage that wrote the output
 * @param fingerprint hash of everything that determines the output: inputs, models, settings,
 *     labels; equal fingerprints mean a rerun may skip
 * @param runId the run that wrote it
 * @param createdAt ISO-8601 time of publication
 * @param inputs fingerprint of every input, by role
 * @param models sha256 of every model or tokenizer file, by role
 * @param settings every setting that shapes the output (tokenizer max length and truncation,
 *     pooling, K, dropout rate, seeds, ...), by name
 * @param labels label names in class-index order
 * @param rowCount rows in the written files, counted from the files themselves
 * @param splitCounts rows per split, counted from the written data
 * @param truncatedCount rows whose text was cut to the tokenizer's maximum length
 * @param files data files relative to the output directory; nothing else belongs to the output
 * @param metrics figures worth keeping (accuracy, timings, ...); not part of the fingerprint
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "schemaVersion", "stage", "fingerprint", "runId", "createdAt", "inputs", "models", "settings",
  "labels", "rowCount", "splitCounts", "truncatedCount", "files", "metrics"
})
public record Manifest(
    int schemaVersion,
    String stage,
    String fingerprint,
    String runId,
    String createdAt,
    SortedMap<String, String> inputs,
    SortedMap<String, String> models,
    SortedMap<String, String> settings,
    List<String> labels,
    long rowCount,
    SortedMap<String, Long> splitCounts,
    long truncatedCount,
    List<String> files,
    Map<String, Object> metrics) {

  /**
   * Name prefix of the manifest records inside an output directory: {@code _manifest.00000001.json},
   * ...; the highest number is the current manifest ({@link VersionedFiles}).
   */
  public static final String RECORD_PREFIX = "_manifest";

  /** How documentation and messages name the manifest. */
  public static final String FILE_NAME = "_manifest.<n>.json";
}
