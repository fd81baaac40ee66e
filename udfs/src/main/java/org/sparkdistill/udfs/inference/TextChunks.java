package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparkdistill.udfs.text.TokenizedBatch;

/**
 * Cuts whole-text token sequences into encoder-sized chunks for chunked pooling: the content
 * tokens of a row (its tokenization without the leading [CLS] and trailing [SEP]) are cut into
 * windows of {@code length − 2} tokens that start every {@code length − 2 − overlap} tokens, the
 * last window ending at the text's end, and each window is wrapped in the row's own [CLS] and
 * [SEP] again. A text that fits yields one chunk equal to its plain tokenization.
 *
 * <p>Cost: a copy of every token id once per chunk it lands in (overlap / (length − 2) extra).
 */
public final class TextChunks {
  private TextChunks() {}

  /**
   * One chunk of one row.
   *
   * @param row index of the row in the whole-text batch
   * @param ids token ids with [CLS] and [SEP], unpadded
   */
  public record Chunk(int row, long[] ids) {}

  /**
   * The chunks of every row of {@code whole} (tokenized without truncation, padded on the right).
   *
   * @param length tokens per chunk including [CLS] and [SEP] (≥ 3)
   * @param overlap tokens shared by consecutive chunks (0 ≤ overlap &lt; length − 2)
   * @param maxChunks at most this many chunks per row (the text's start); 0: every chunk
   */
  public static List<Chunk> of(TokenizedBatch whole, int length, int overlap, int maxChunks) {
    check(length, overlap, maxChunks);
    int body = length - 2;
    int stride = body - overlap;
    List<Chunk> out = new ArrayList<>();
    for (int r = 0; r < whole.size(); r++) {
      long[] ids = whole.inputIds()[r];
      int n = whole.numTokens()[r];
      if (n <= length) {
        out.add(new Chunk(r, Arrays.copyOf(ids, n)));
        continue;
      }
      long cls = ids[0];
      long sep = ids[n - 1];
      int content = n - 2;
      int count = 0;
      for (int start = 0; ; start += stride) {
        int end = Math.min(start + body, content);
        long[] chunk = new long[end - start + 2];
        chunk[0] = cls;
        System.arraycopy(ids, 1 + start, chunk, 1, end - start);
        chunk[chunk.length - 1] = sep;
        out.add(new Chunk(r, chunk));
        count++;
        if (end >= content || (maxChunks > 0 && count >= maxChunks)) {
          break;
        }
      }
    }
    return out;
  }

  /** Chunks a text of {@code numTokens} tokens (special tokens included) yields. */
  public static int count(int numTokens, int length, int overlap, int maxChunks) {
    check(length, overlap, maxChunks);
    if (numTokens <= length) {
      return 1;
    }
    int body = length - 2;
    int stride = body - overlap;
    int content = numTokens - 2;
    int chunks = 1 + (int) Math.ceil(Math.max(0, content - body) / (double) stride);
    return maxChunks > 0 ? Math.min(chunks, maxChunks) : chunks;
  }

  /** The chunks as one batch (padded to the longest chunk; mask 1 on real tokens, type ids 0). */
  public static TokenizedBatch batch(List<Chunk> chunks) {
    int longest = 0;
    for (Chunk c : chunks) {
      longest = Math.max(longest, c.ids().length);
    }
    long[][] ids = new long[chunks.size()][];
    long[][] mask = new long[chunks.size()][];
    long[][] types = new long[chunks.size()][];
    int[] tokens = new int[chunks.size()];
    boolean[] cut = new boolean[chunks.size()];
    for (int i = 0; i < chunks.size(); i++) {
      long[] c = chunks.get(i).ids();
      ids[i] = Arrays.copyOf(c, longest);
      mask[i] = new long[longest];
      Arrays.fill(mask[i], 0, c.length, 1L);
      types[i] = new long[longest];
      tokens[i] = c.length;
    }
    return new TokenizedBatch(ids, mask, types, tokens, cut);
  }

  private static void check(int length, int overlap, int maxChunks) {
    if (length < 3) {
      throw new IllegalArgumentException("encoder.chunking.length must be >= 3 ([CLS], a token, [SEP]), got: " + length);
    }
    if (overlap < 0 || overlap >= length - 2) {
      throw new IllegalArgumentException("encoder.chunking.overlap must be in [0, length - 2) = [0, " + (length - 2) + "), got: " + overlap);
    }
    if (maxChunks < 0) {
      throw new IllegalArgumentException("encoder.chunking.maxChunks must be >= 0 (0: every chunk), got: " + maxChunks);
    }
  }
}
