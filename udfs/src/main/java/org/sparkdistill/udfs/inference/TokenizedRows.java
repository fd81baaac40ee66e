package org.sparkdistill.udfs.inference;

import java.util.List;
import org.sparkdistill.udfs.text.TokenizedBatch;

/**
 * One encoder batch: the rows' ids and their token ids, in the same order.
 *
 * @param ids row ids, {@code tokens.size()} of them
 * @param tokens token ids padded to the batch's longest row
 */
public record TokenizedRows(List<String> ids, TokenizedBatch tokens) {
  public TokenizedRows {
    if (ids.size() != tokens.size()) {
      throw new IllegalArgumentException("a batch needs one id per tokenized row: " + ids.size() + " ids, " + tokens.size() + " rows");
    }
  }
}
