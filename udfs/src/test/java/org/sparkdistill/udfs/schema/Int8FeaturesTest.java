package org.sparkdistill.udfs.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/** The int8 rule of {@link Int8Features} against hand-computed values and its error bound. */
class Int8FeaturesTest {
  @Test
  void exactScaleRoundsHalfAwayFromZero() {
    // max|x| = 127 -> scale 1 exactly; 0.5 -> 1, -0.5 -> -1, 1.5 -> 2, 2.49 -> 2, -127 -> -127
    float[] x = {127f, 0.5f, -0.5f, 1.5f, 2.49f, -127f, 0f};
    float s = Int8Features.scale(x, "test");
    assertThat(s).isEqualTo(1f);
    assertThat(Int8Features.quantize(x, s)).containsExactly(127, 1, -1, 2, 2, -127, 0);
    assertThat(Int8Features.dequantize(Int8Features.quantize(x, s), s)).containsExactly(127f, 1f, -1f, 2f, 2f, -127f, 0f);
  }

  @Test
  void handComputedUnitScaleCase() {
    // max|x| = 1.27 -> scale 0.01; x / 0.01 = 127, -63, 0.4, 0, -0.6, 33.3 -> 127, -63, 0, 0, -1, 33
    float[] x = {1.27f, -0.63f, 0.004f, 0f, -0.006f, 0.333f};
    float s = Int8Features.scale(x, "test");
    assertThat((double) s).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-9));
    byte[] q = Int8Features.quantize(x, s);
    assertThat(q).containsExactly(127, -63, 0, 0, -1, 33);
    float[] back = Int8Features.dequantize(q, s);
    double[] expected = {1.27, -0.63, 0, 0, -0.01, 0.33};
    for (int i = 0; i < x.length; i++) {
      assertThat((double) back[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  @Test
  void allZeroRowHasScaleZero() {
    float[] x = new float[384];
    float s = Int8Features.scale(x, "test");
    assertThat(s).isZero();
    assertThat(Int8Features.quantize(x, s)).containsOnly((byte) 0).hasSize(384);
    assertThat(Int8Features.dequantize(new byte[384], 0f)).containsOnly(0f);
  }

  @Test
  void errorIsWithinHalfAScaleOnRandomVectors() {
    Random random = new Random(11);
    for (int row = 0; row < 2000; row++) {
      float[] x = new float[384];
      double norm = 0;
      double spread = Math.pow(10, random.nextInt(7) - 3); // 1e-3 .. 1e3
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (random.nextGaussian() * spread);
        norm += x[i] * (double) x[i];
      }
      if (row % 2 == 0) { // L2-normalised like the encoder's output
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) (x[i] / Math.sqrt(norm));
        }
      }
      float s = Int8Features.scale(x, "test");
      double max = 0;
      for (float v : x) {
        max = Math.max(max, Math.abs(v));
      }
      assertThat((double) s).isCloseTo(max / 127, org.assertj.core.data.Offset.offset(max * 1e-7));
      byte[] q = Int8Features.quantize(x, s);
      float[] back = Int8Features.dequantize(q, s);
      for (int i = 0; i < x.length; i++) {
        assertThat((int) q[i]).isBetween(-127, 127);
        // |x - q*s| <= s/2, plus the float rounding of q*s (half an ulp of |x| at most)
        assertThat(Math.abs((double) x[i] - back[i])).isLessThanOrEqualTo(s / 2.0 + Math.ulp(Math.abs(x[i])));
      }
    }
  }

  @Test
  void nonFiniteFeaturesAreRefusedNamingTheRow() {
    assertThatThrownBy(() -> Int8Features.scale(new float[] {0.1f, Float.NaN}, "stage encode, row id=a7"))
        .hasMessageContaining("stage encode, row id=a7")
        .hasMessageContaining("features[1] is NaN");
  }

  @Test
  void badStoredRowsNameTheColumnAndTheFix() {
    assertThatThrownBy(() -> Int8Features.check(new byte[4], Float.NaN, 4, "f.parquet, row id=x"))
        .hasMessageContaining("f.parquet, row id=x, column features_scale: scale is NaN")
        .hasMessageContaining("rerun the stage that wrote it with --overwrite");
    assertThatThrownBy(() -> Int8Features.check(new byte[4], -0.5f, 4, "f.parquet, row id=x"))
        .hasMessageContaining("column features_scale: scale is -0.5");
    assertThatThrownBy(() -> Int8Features.check(new byte[3], 0.5f, 4, "f.parquet, row id=x"))
        .hasMessageContaining("column features_int8: 3 bytes, expected 4");
    Int8Features.check(new byte[4], 0f, 4, "fine");
    assertThat(new Int8FeatureDecoder(2, "dir").call(new byte[] {2, -3}, 0.5f, "r", "f")).containsExactly(1f, -1.5f);
    assertThatThrownBy(() -> new Int8FeatureDecoder(2, "dir").call(new byte[] {2}, 0.5f, "r7", "file:/w/part-0.parquet"))
        .hasMessageContaining("file:/w/part-0.parquet, row id=r7, column features_int8: 1 bytes, expected 2");
  }

  @Test
  void int8SchemaReplacesFeaturesInPlace() {
    var stored = CacheSchemas.stored(CacheSchemas.features(), FeatureStorage.INT8);
    assertThat(stored.fieldNames()).containsExactly(Columns.ID, Columns.NUM_TOKENS, Columns.TRUNCATED, Columns.FEATURES_INT8, Columns.FEATURES_SCALE);
    assertThat(stored.apply(Columns.FEATURES_INT8).dataType()).isEqualTo(DataTypes.BinaryType);
    assertThat(stored.apply(Columns.FEATURES_SCALE).dataType()).isEqualTo(DataTypes.FloatType);
    assertThat(CacheSchemas.stored(CacheSchemas.scores(), FeatureStorage.FLOAT32)).isEqualTo(CacheSchemas.scores());
    assertThat(CacheSchemas.stored(CacheSchemas.scores(), FeatureStorage.INT8).fieldNames()).hasSize(CacheSchemas.scores().fieldNames().length + 1);
    assertThatThrownBy(() -> CacheSchemas.stored(CacheSchemas.examples(), FeatureStorage.INT8)).hasMessageContaining("has no features column");
    assertThat(FeatureStorage.parse(" INT8 ", "x")).isEqualTo(FeatureStorage.INT8);
    assertThatThrownBy(() -> FeatureStorage.parse("fp16", "m.json")).hasMessageContaining("m.json: cache.features must be one of float32, int8, got: 'fp16'");
  }
}
