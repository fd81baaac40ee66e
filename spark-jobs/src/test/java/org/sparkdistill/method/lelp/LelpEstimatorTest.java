package org.sparkdistill.method.lelp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.schema.Columns;

/**
 * The LELP estimator and model on hand-built rows whose class covariances are planted exactly:
 * recovered principal subspaces, null-space directions orthogonal to W, Σ_s p_{c,s} = p_c against
 * a softmax computed here, the save/load round trip, and the bad-input errors.
 */
class LelpEstimatorTest {
  static final StructType SCHEMA =
      new StructType()
          .add(Columns.ID, DataTypes.StringType, false)
          .add(Columns.LABEL, DataTypes.StringType, true)
          .add(Columns.PREDICTED, DataTypes.IntegerType, false)
          .add(Columns.LOGITS, DataTypes.createArrayType(DataTypes.FloatType, false), false)
          .add(Columns.FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), false);

  @TempDir Path tmp;

  static final double R = Math.sqrt(0.5);
  /** Class a: ±3 e1, ±2 (e2 + e3)/√2 around μa; class b: ±10 e0, ±3 e4, ±2 e5 around μb. */
  static final double[][] A_DIRS = {{0, 3, 0, 0, 0, 0}, {0, 0, 2 * R, 2 * R, 0, 0}};
  static final double[][] B_DIRS = {{10, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 3, 0}, {0, 0, 0, 0, 0, 2}};
  static final double[] MU_A = {0.5, 0, 0, 0, 1, 0};
  static final double[] MU_B = {0, 1, 0, -1, 0, 0};

  static List<Row> plantedRows() {
    List<Row> rows = new ArrayList<>();
    add(rows, "a", 0, MU_A, A_DIRS);
    add(rows, "b", 1, MU_B, B_DIRS);
    return rows;
  }

  private static void add(List<Row> rows, String label, int c, double[] mu, double[][] dirs) {
    int k = 0;
    for (double[] dir : dirs) {
      for (int sign : new int[] {1, -1}) {
        float[] h = new float[mu.length];
        for (int i = 0; i < mu.length; i++) {
          h[i] = (float) (mu[i] + sign * dir[i]);
        }
        float[] logits = {(float) (0.3 * k - 0.2), (float) (1.1 - 0.4 * k)};
        rows.add(RowFactory.create(label + k++, label, c, floats(logits), floats(h)));
      }
    }
  }

  static List<Float> floats(float[] v) {
    List<Float> out = new ArrayList<>();
    for (float f : v) {
      out.add(f);
    }
    return out;
  }

  static Dataset<Row> frame(List<Row> rows) {
    return SharedSpark.session().createDataFrame(rows, SCHEMA);
  }

  static LelpEstimator estimator(int s) {
    return new LelpEstimator().setLabels(List.of("a", "b")).setSubclasses(s).setNullSpace(false).setSeed(5);
  }

  /** (V Vᵀ)[i][j] for d×S row-major V. */
  static double projector(double[] v, int s, int i, int j) {
    double out = 0;
    for (int k = 0; k < s; k++) {
      out += v[i * s + k] * v[j * s + k];
    }
    return out;
  }

  @Test
  void recoversThePlantedPrincipalSubspaceOfEachClass() {
    LelpModel model = estimator(2).fit(frame(plantedRows()));
    double[] va = model.weights().directions()[0];
    // class a: span{e1, (e2+e3)/√2}, so V Vᵀ = e1e1ᵀ + u uᵀ whatever the rotation
    double[][] expected = new double[6][6];
    expected[1][1] = 1;
    expected[2][2] = expected[3][3] = expected[2][3] = expected[3][2] = 0.5;
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 6; j++) {
        assertThat(projector(va, 2, i, j)).as("class a (VVᵀ)[%d][%d]", i, j).isCloseTo(expected[i][j], within(1e-6));
      }
    }
    // class b: top 2 of (100, 9, 4)/3 → span{e0, e4}
    double[] vb = model.weights().directions()[1];
    assertThat(projector(vb, 2, 0, 0)).isCloseTo(1, within(1e-6));
    assertThat(projector(vb, 2, 4, 4)).isCloseTo(1, within(1e-6));
    assertThat(projector(vb, 2, 5, 5)).isCloseTo(0, within(1e-6));
    // eigenvalues of the class covariances: a: (2·9 + 2·4)/4 = 4.5 and 2
    @SuppressWarnings("unchecked")
    List<Double> eigA = (List<Double>) ((java.util.Map<String, Object>) model.metrics().get("lelpEigenvalues")).get("a");
    assertThat(eigA.get(0)).isCloseTo(4.5, within(1e-5));
    assertThat(eigA.get(1)).isCloseTo(2.0, within(1e-5));
    // V = V0 Q with V0 = [e1, u] (up to each eigenvector's sign) and Q the seeded rotation of class 0
    double[] q = LelpMath.rotation(2, 5);
    double[][] v0 = {{0, 1, 0, 0, 0, 0}, {0, 0, R, R, 0, 0}};
    for (int k = 0; k < 2; k++) {
      for (int j = 0; j < 2; j++) {
        double qkj = 0;
        for (int i = 0; i < 6; i++) {
          qkj += v0[k][i] * va[i * 2 + j];
        }
        assertThat(Math.abs(qkj)).isCloseTo(Math.abs(q[k * 2 + j]), within(1e-6));
      }
    }
  }

  @Test
  void nullSpaceDirectionsAreOrthogonalToTheRowsOfW() {
    float[][] w = {{1, 0, 0, 0, 0, 0}, {0, 1, 1, 0, 0, 0}};
    LelpModel model = estimator(2).setNullSpace(true).setHead(w).fit(frame(plantedRows()));
    for (int c = 0; c < 2; c++) {
      double[] v = model.weights().directions()[c];
      for (float[] row : w) {
        for (int k = 0; k < 2; k++) {
          double dot = 0;
          for (int i = 0; i < 6; i++) {
            dot += row[i] * v[i * 2 + k];
          }
          assertThat(dot).as("class %d direction %d · W row", c, k).isCloseTo(0, within(1e-9));
        }
      }
    }
    // class b's e0 (variance 50) lies in W's row space: the null-space fit takes e4 and e5 instead
    double[] vb = model.weights().directions()[1];
    assertThat(projector(vb, 2, 4, 4)).isCloseTo(1, within(1e-6));
    assertThat(projector(vb, 2, 5, 5)).isCloseTo(1, within(1e-6));
    assertThat(model.metrics().get("lelpRankW")).isEqualTo(2);
  }

  @Test
  void subclassTargetsSumToTheTeacherProbabilityOfTheirClass() {
    double tau = 2.0;
    double beta = 0.5;
    LelpModel model = estimator(2).setTeacherTemperature(tau).setSubclassTemperature(beta).fit(frame(plantedRows()));
    List<Row> out = model.transform(frame(plantedRows())).collectAsList();
    assertThat(out).hasSize(10);
    for (Row r : out) {
      List<Float> logits = r.getList(r.fieldIndex(Columns.LOGITS));
      List<Float> t = r.getList(r.fieldIndex(Columns.TARGET));
      assertThat(t).hasSize(4);
      double e0 = Math.exp(logits.get(0) / tau);
      double e1 = Math.exp(logits.get(1) / tau);
      double[] p = {e0 / (e0 + e1), e1 / (e0 + e1)};
      for (int c = 0; c < 2; c++) {
        assertThat((double) t.get(2 * c) + t.get(2 * c + 1)).isCloseTo(p[c], within(1e-6));
        assertThat(t.get(2 * c)).isGreaterThanOrEqualTo(0f);
      }
    }
    // one row by hand: z = Vᵀ(h − μ_c), p_{c,s} = p_c softmax(z / β)
    Row first = out.get(0);
    List<Float> h = first.getList(first.fieldIndex(Columns.FEATURES));
    double[] v = model.weights().directions()[0];
    double[] z = new double[2];
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < 6; i++) {
        z[k] += v[i * 2 + k] * (h.get(i) - MU_A[i]);
      }
    }
    List<Float> logits = first.getList(first.fieldIndex(Columns.LOGITS));
    double pa = 1 / (1 + Math.exp((logits.get(1) - logits.get(0)) / tau));
    double q0 = 1 / (1 + Math.exp((z[1] - z[0]) / beta));
    List<Float> t = first.getList(first.fieldIndex(Columns.TARGET));
    assertThat((double) t.get(0)).isCloseTo(pa * q0, within(1e-5));
  }

  /**
   * With whiten, z = Vᵀh − o has zero mean and identity covariance (1/n Σ z zᵀ) over each class's
   * rows, computed here from the fitted weights; the directions span the same subspace as without.
   */
  @Test
  void whitenedProjectionsHaveIdentityCovarianceWithinTheirClass() {
    LelpModel model = estimator(2).setWhiten(true).fit(frame(plantedRows()));
    LelpModel raw = estimator(2).fit(frame(plantedRows()));
    assertThat(model.getWhiten()).isTrue();
    for (int c = 0; c < 2; c++) {
      double[] v = model.weights().directions()[c];
      double[] o = model.weights().offsets()[c];
      List<double[]> zs = new ArrayList<>();
      for (Row r : plantedRows()) {
        if (r.getInt(2) != c) {
          continue;
        }
        @SuppressWarnings("unchecked")
        List<Float> h = (List<Float>) r.get(4);
        double[] z = new double[2];
        for (int k = 0; k < 2; k++) {
          z[k] = -o[k];
          for (int i = 0; i < 6; i++) {
            z[k] += v[i * 2 + k] * h.get(i);
          }
        }
        zs.add(z);
      }
      for (int a = 0; a < 2; a++) {
        double mean = 0;
        for (double[] z : zs) {
          mean += z[a] / zs.size();
        }
        assertThat(mean).as("class %d mean z[%d]", c, a).isCloseTo(0, within(1e-5));
        for (int b = 0; b < 2; b++) {
          double cov = 0;
          for (double[] z : zs) {
            cov += z[a] * z[b] / zs.size();
          }
          assertThat(cov).as("class %d cov[%d][%d]", c, a, b).isCloseTo(a == b ? 1 : 0, within(1e-5));
        }
      }
      // same span: V_white V_whiteᵀ ∝ nothing simple, but each whitened column lies in the raw span
      double[] vr = raw.weights().directions()[c];
      for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 6; i++) {
          double inSpan = 0;
          for (int j = 0; j < 6; j++) {
            inSpan += projector(vr, 2, i, j) * v[j * 2 + k];
          }
          assertThat(inSpan).isCloseTo(v[i * 2 + k], within(1e-6));
        }
      }
    }
    // class a's rows span two directions: a third has no variance to scale
    assertThatThrownBy(() -> estimator(3).setWhiten(true).fit(frame(plantedRows())))
        .hasMessageContaining("class a's principal direction 3 of S = 3")
        .hasMessageContaining("targets.lelp.whiten=false");
  }

  @Test
  void membershipByLabelSkipsUnlabelledRows() {
    List<Row> rows = new ArrayList<>(plantedRows());
    rows.add(RowFactory.create("u0", null, 0, floats(new float[] {0, 0}), floats(new float[] {9, 9, 9, 9, 9, 9})));
    LelpModel byLabel = estimator(2).setMembership("label").fit(frame(rows));
    assertThat(byLabel.metrics().get("lelpRowsPerClass")).isEqualTo(List.of(4L, 6L));
    LelpModel byPrediction = estimator(2).fit(frame(rows));
    assertThat(byPrediction.metrics().get("lelpRowsPerClass")).isEqualTo(List.of(5L, 6L));
  }

  @Test
  void saveAndLoadRoundTrip() throws Exception {
    LelpModel model = estimator(2).setSubclassTemperature(0.25).setCentre(false).setWhiten(true).setMembership("label").fit(frame(plantedRows()));
    String path = tmp.resolve("model").toString();
    model.write().save(path);
    LelpModel loaded = LelpModel.load(path);
    assertThat(loaded.uid()).isEqualTo(model.uid());
    assertThat(loaded.getSubclasses()).isEqualTo(2);
    assertThat(loaded.getSubclassTemperature()).isEqualTo(0.25);
    assertThat(loaded.getCentre()).isFalse();
    assertThat(loaded.getWhiten()).isTrue();
    assertThat(loaded.getMembership()).isEqualTo("label");
    assertThat(loaded.getLabels()).containsExactly("a", "b");
    for (int c = 0; c < 2; c++) {
      assertThat(loaded.weights().directions()[c]).containsExactly(model.weights().directions()[c]);
      assertThat(loaded.weights().offsets()[c]).containsExactly(model.weights().offsets()[c]);
    }
    List<Row> a = model.transform(frame(plantedRows())).select(Columns.TARGET).collectAsList();
    List<Row> b = loaded.transform(frame(plantedRows())).select(Columns.TARGET).collectAsList();
    assertThat(b).isEqualTo(a);
    assertThatThrownBy(() -> model.write().save(path)).hasMessageContaining("already exists");
    model.write().overwrite().save(path);
    // a damaged weights file is refused by its checksum
    Path weights = tmp.resolve("model").resolve(LelpModelFiles.WEIGHTS);
    byte[] bytes = Files.readAllBytes(weights);
    bytes[bytes.length - 1] ^= 1;
    Files.write(weights, bytes);
    Files.deleteIfExists(tmp.resolve("model").resolve("." + LelpModelFiles.WEIGHTS + ".crc"));
    assertThatThrownBy(() -> LelpModel.load(path)).hasMessageContaining("sha256 differs");
  }

  @Test
  void paramsAreValidatedWhenSet() {
    assertThatThrownBy(() -> estimator(0)).hasMessageContaining("subclasses");
    assertThatThrownBy(() -> estimator(2).setSubclassTemperature(0)).hasMessageContaining("subclassTemperature");
    assertThatThrownBy(() -> estimator(2).setMembership("votes")).hasMessageContaining("membership");
    assertThat(new LelpEstimator().getSubclasses()).isEqualTo(LelpParams.DEFAULT_SUBCLASSES);
    assertThat(new LelpEstimator().params()).hasSize(9);
    assertThat(new LelpEstimator().getWhiten()).isFalse();
  }

  static String root(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }

  @Test
  void badInputErrorsNameTheClassRowOrValue() {
    assertThatThrownBy(() -> estimator(7).fit(frame(plantedRows())))
        .hasMessageContaining("S = 7 is larger than the embedding dimension d = 6");
    float[][] w = {{1, 0, 0, 0, 0, 0}, {0, 1, 1, 0, 0, 0}};
    assertThatThrownBy(() -> estimator(5).setNullSpace(true).setHead(w).fit(frame(plantedRows())))
        .hasMessageContaining("S = 5 is larger than d - rank(W) = 6 - 2 = 4");
    assertThatThrownBy(() -> estimator(5).fit(frame(plantedRows())))
        .hasMessageContaining("class a has 4 rows (membership prediction), fewer than S = 5");
    float[][] narrow = {{1, 0, 0, 0, 0}, {0, 1, 1, 0, 0}};
    assertThatThrownBy(() -> estimator(2).setNullSpace(true).setHead(narrow).fit(frame(plantedRows())))
        .hasMessageContaining("embedding dimension 6 differs from the teacher head W's width 5");
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      List<Row> rows = new ArrayList<>(plantedRows());
      rows.add(RowFactory.create("bad-row", "a", 0, floats(new float[] {0, 0}), floats(new float[] {0, 0, 0, bad, 0, 0})));
      assertThatThrownBy(() -> estimator(2).fit(frame(rows)))
          .satisfies(e -> assertThat(root(e)).contains("row id=bad-row, column features[3]: expected a finite number, got " + bad));
    }
    // a cache whose embeddings differ in width from the fitted model
    LelpModel model = estimator(2).fit(frame(plantedRows()));
    List<Row> other = List.of(RowFactory.create("short-row", "a", 0, floats(new float[] {0, 0}), floats(new float[] {1, 2, 3, 4, 5})));
    assertThatThrownBy(() -> model.transform(frame(other)).collectAsList())
        .satisfies(e -> assertThat(root(e)).contains("row id=short-row: column features has 5 values, the fitted LELP model has dimension 6"));
    List<Row> nan = List.of(RowFactory.create("nan-row", "a", 0, floats(new float[] {0, Float.NaN}), floats(new float[] {1, 2, 3, 4, 5, 6})));
    assertThatThrownBy(() -> model.transform(frame(nan)).collectAsList())
        .satisfies(e -> assertThat(root(e)).contains("row id=nan-row, column logits[1]: expected a finite number, got NaN"));
  }
}
