package org.sparkdistill.udfs.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.model.Pooling;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;

/** Whole-text chunking: the cut on hand-built token ids, and chunked pooling over the real MiniLM encoder. */
class ChunkedEncodeTest {
  private static final Path DIR =
      Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));
  /** Nine words, nine WordPiece tokens. */
  private static final String PHRASE = "the quick brown fox jumps over the lazy dog ";

  private static TokenizedBatch whole(long[] ids) {
    long[] mask = new long[ids.length];
    java.util.Arrays.fill(mask, 1);
    return new TokenizedBatch(new long[][] {ids}, new long[][] {mask}, new long[][] {new long[ids.length]}, new int[] {ids.length}, new boolean[1]);
  }

  @Test
  void chunksOverlapAndKeepTheSpecialTokens() {
    long[] ids = {101, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 102};
    List<TextChunks.Chunk> chunks = TextChunks.of(whole(ids), 6, 1, 0);
    assertThat(chunks).extracting(TextChunks.Chunk::ids)
        .containsExactly(new long[] {101, 1, 2, 3, 4, 102}, new long[] {101, 4, 5, 6, 7, 102}, new long[] {101, 7, 8, 9, 10, 102});
    assertThat(TextChunks.count(12, 6, 1, 0)).isEqualTo(3);
    assertThat(TextChunks.of(whole(ids), 6, 1, 2)).hasSize(2);
    assertThat(TextChunks.of(whole(ids), 12, 0, 0)).hasSize(1);
    assertThat(TextChunks.of(whole(ids), 12, 0, 0).get(0).ids()).containsExactly(ids);
    assertThatThrownBy(() -> TextChunks.of(whole(ids), 6, 4, 0)).hasMessageContaining("encoder.chunking.overlap must be in [0, length - 2) = [0, 4), got: 4");
  }

  private static EncoderSpec spec(int maxLength) {
    return new EncoderSpec(
        ModelFile.local("encoder.model", DIR.resolve("all-minilm-l6-v2.onnx")),
        ModelFile.local("encoder.tokenizer", DIR.resolve("all-minilm-l6-v2-tokenizer.json")),
        new TokenizerSettings(maxLength, true), Pooling.MEAN, true, 1, DeviceSelector.Preference.CPU);
  }

  private static Map<String, Row> run(java.util.function.Function<List<Row>, java.util.Iterator<Row>> fn, Map<String, String> texts) {
    StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    texts.forEach((id, text) -> rows.add(new GenericRowWithSchema(new Object[] {id, text}, schema)));
    Map<String, Row> out = new HashMap<>();
    fn.apply(rows).forEachRemaining(r -> out.put(r.getString(0), r));
    return out;
  }

  @Test
  void chunkedVectorsAreTheMeanOfTheChunksVectors() throws Exception {
    Map<String, String> texts = new HashMap<>();
    texts.put("short", "a small text editor for the console");
    texts.put("long", PHRASE.repeat(20)); // 180 content tokens: two chunks of exactly PHRASE x 10
    texts.put("longer", PHRASE.repeat(50));
    texts.put("beyond512", PHRASE.repeat(100)); // 902 tokens: past the tokenizer file's own 512 limit
    // chunk length 92 = 90 content tokens + [CLS] + [SEP], no overlap, token-budget batches
    ChunkedEncodePartitions chunked = new ChunkedEncodePartitions(spec(92), 4, 400, 0, 0);
    Map<String, Row> c = run(rows -> {
      try {
        return chunked.call(rows.iterator());
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, texts);
    EncodePartitions plain = new EncodePartitions(spec(128), 4);
    Map<String, String> reference = new HashMap<>();
    reference.put("short", texts.get("short"));
    reference.put("half", PHRASE.repeat(10));
    Map<String, Row> p = run(rows -> {
      try {
        return plain.call(rows.iterator());
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, reference);
    assertThat(c.get("short").getInt(4)).isEqualTo(1);
    assertThat(c.get("long").getInt(4)).isEqualTo(2);
    assertThat(c.get("long").getInt(1)).isEqualTo(182);
    assertThat(c.get("longer").getInt(4)).isEqualTo(TextChunks.count(452, 92, 0, 0)).isEqualTo(5);
    assertThat(c.get("longer").getBoolean(2)).isFalse();
    assertThat(c.get("beyond512").getInt(1)).isEqualTo(902);
    assertThat(c.get("beyond512").getInt(4)).isEqualTo(TextChunks.count(902, 92, 0, 0)).isEqualTo(10);
    assertThat(c.get("beyond512").getBoolean(2)).isFalse();
    float[] shortChunked = (float[]) c.get("short").get(3);
    float[] shortPlain = (float[]) p.get("short").get(3);
    float[] longChunked = (float[]) c.get("long").get(3);
    float[] half = (float[]) p.get("half").get(3);
    double norm = 0;
    for (int i = 0; i < half.length; i++) {
      assertThat((double) shortChunked[i]).isCloseTo(shortPlain[i], within(1e-5));
      assertThat((double) longChunked[i]).isCloseTo(half[i], within(1e-5));
      norm += longChunked[i] * longChunked[i];
    }
    assertThat(norm).isCloseTo(1.0, within(1e-5));
  }
}
