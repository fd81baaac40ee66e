package org.sparkdistill.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link ExamplePreparer} read, dropped and kept; recorded in the stage manifest.
 *
 * @param rawRows rows in the source, all of them valid (invalid input is an error, not a count)
 * @param duplicateTextsDropped rows dropped because another row with a smaller id has the same
 *     deduplication key (see {@link DedupKey})
 * @param duplicateLabelConflicts sets of duplicate texts whose rows disagreed on the label; the
 *     row with the smallest id (and its label) was kept anyway
 * @param keptRows rows in the prepared examples (after deduplication and the {@code maxRows}
 *     sample)
 * @param rowsBySplit kept rows per split value, every split listed (train, validation, transfer,
 *     test)
 * @param labelledRowsByLabel rows of the labelled train split per label, every configured label
 *     listed in class order (0 where a class has none); validation and test rows keep their labels
 *     too but are not counted here
 * @param labelledValidationRows validation rows that kept their label (at most {@code
 *     data.split.validationPerClass} per class); the other validation rows are unlabelled
 * @param nearDuplicateGroupsMerged groups merged into another group because their rows' first
 *     paragraphs matched ({@code data.split.nearDuplicates})
 */
public record PrepareReport(
    long rawRows,
    long duplicateTextsDropped,
    long duplicateLabelConflicts,
    long keptRows,
    Map<String, Long> rowsBySplit,
    Map<String, Long> labelledRowsByLabel,
    long labelledValidationRows,
    long nearDuplicateGroupsMerged) {

  public PrepareReport {
    // Copies keep the caller's order (split order, class order) and cannot be changed.
    rowsBySplit = Collections.unmodifiableMap(new LinkedHashMap<>(rowsBySplit));
    labelledRowsByLabel = Collections.unmodifiableMap(new LinkedHashMap<>(labelledRowsByLabel));
  }
}
