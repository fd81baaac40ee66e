package org.sparkdistill.udfs.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;

/** Row and token-budget batches over the real MiniLM tokenizer. */
class EncodeBatchesTest {
  private static final Path DIR =
      Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));
  private static TextTokenizer tokenizer;
  private static List<Row> rows;
  private static Map<String, String> textOf;

  @BeforeAll
  static void load() {
    tokenizer = TextTokenizer.load(DIR.resolve("all-minilm-l6-v2-tokenizer.json"), new TokenizerSettings(64, true));
    rows = new ArrayList<>();
    textOf = new HashMap<>();
    StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
    String[] words = "the package provides a library for parsing audio network files quickly".split(" ");
    for (int i = 0; i < 150; i++) {
      StringBuilder text = new StringBuilder();
      for (int w = 0; w <= (i * 37) % 90; w++) {
        text.append(words[(i + w) % words.length]).append(' ');
      }
      String id = "row-" + i;
      rows.add(new GenericRowWithSchema(new Object[] {id, text.toString()}, schema));
      textOf.put(id, text.toString());
    }
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  private static List<TokenizedRows> batches(int batchSize, int maxBatchTokens) {
    List<TokenizedRows> out = new ArrayList<>();
    EncodeBatches.of(rows.iterator(), tokenizer, batchSize, maxBatchTokens).forEachRemaining(out::add);
    return out;
  }

  @Test
  void tokenBudgetBatchesStayWithinTheBudgetAndHoldEveryRowOnce() {
    List<TokenizedRows> batches = batches(8, 256);
    Map<String, Integer> seen = new HashMap<>();
    boolean wider = false;
    for (TokenizedRows b : batches) {
      assertThat(b.tokens().paddedTokens()).isLessThanOrEqualTo(256);
      wider |= b.tokens().size() > 8;
      b.ids().forEach(id -> seen.merge(id, 1, Integer::sum));
    }
    assertThat(seen).hasSize(rows.size());
    assertThat(seen.values()).containsOnly(1);
    assertThat(wider).as("short texts fill wider batches than batchSize").isTrue();
  }

  @Test
  void eachRowGetsTheTokensItWouldGetAlone() {
    for (TokenizedRows b : batches(16, 256)) {
      TokenizedBatch t = b.tokens();
      for (int i = 0; i < t.size(); i++) {
        TokenizedBatch alone = tokenizer.tokenize(List.of(textOf.get(b.ids().get(i))), List.of(b.ids().get(i)));
        int n = alone.numTokens()[0];
        assertThat(t.numTokens()[i]).isEqualTo(n);
        assertThat(Arrays.copyOf(t.inputIds()[i], n)).isEqualTo(alone.inputIds()[0]);
        assertThat(Arrays.copyOfRange(t.attentionMask()[i], n, t.length())).doesNotContain(1L);
        assertThat(t.truncated()[i]).isEqualTo(alone.truncated()[0]);
      }
      assertThat(t.length()).isEqualTo(Arrays.stream(t.numTokens()).max().orElse(0));
    }
  }

  @Test
  void rowBatchesHoldBatchSizeRowsSortedWithinTheWindow() {
    List<TokenizedRows> batches = batches(16, 0);
    int total = 0;
    for (int i = 0; i < batches.size(); i++) {
      int size = batches.get(i).ids().size();
      total += size;
      if (i < batches.size() - 1 && (i + 1) % TextBatch.WINDOW_BATCHES != 0) {
        assertThat(size).isEqualTo(16);
      }
    }
    assertThat(total).isEqualTo(rows.size());
    assertThat(batches.stream().flatMap(b -> b.ids().stream()).distinct().count()).isEqualTo(rows.size());
    assertThatThrownBy(() -> batches(16, -1)).hasMessageContaining("maxBatchTokens must be >= 0");
  }
}
