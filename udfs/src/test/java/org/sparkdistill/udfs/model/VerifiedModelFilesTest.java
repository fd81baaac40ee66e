package org.sparkdistill.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.util.SerializableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loaders get exactly the bytes the manifest's sha256 describes, from local or remote URIs. */
class VerifiedModelFilesTest {
  // sha256("model bytes\n"), computed with sha256sum.
  private static final String SHA = "5a3949ca84f738f57e5005ddb999bd80bbcded1eef362fcf31a8ff6e21a63915";

  @TempDir Path tmp;
  private SerializableConfiguration conf;

  @BeforeEach
  void setUp() {
    Configuration c = new Configuration();
    c.set("fs.alt.impl", AltSchemeFileSystem.class.getName());
    c.setBoolean("fs.alt.impl.disable.cache", true);
    conf = new SerializableConfiguration(c);
    System.setProperty(VerifiedModelFiles.CACHE_DIR_PROPERTY, tmp.resolve("cache").toString());
    VerifiedModelFiles.forgetVerified();
  }

  @AfterEach
  void tearDown() {
    System.clearProperty(VerifiedModelFiles.CACHE_DIR_PROPERTY);
    VerifiedModelFiles.forgetVerified();
  }

  private Path model(String text) throws Exception {
    return Files.writeString(tmp.resolve("m.onnx"), text, StandardCharsets.UTF_8);
  }

  @Test
  void theHashIsSha256OfTheBytes() throws Exception {
    // Reference value: printf 'abc' | sha256sum
    Path abc = Files.writeString(tmp.resolve("abc"), "abc");
    assertThat(VerifiedModelFiles.sha256(abc)).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void aLocalFileIsVerifiedInPlace() throws Exception {
    Path file = model("model bytes\n");
    String sha = VerifiedModelFiles.sha256(file);
    assertThat(sha).isEqualTo(SHA);
    ModelFile ok = ModelFile.resolve("encoder.model", file.toString(), sha, conf);
    assertThat(ok.uri()).startsWith("file:/").endsWith("m.onnx");
    assertThat(ok.localPath()).isEqualTo(file);
    assertThat(tmp.resolve("cache")).doesNotExist();

    ModelFile wrong = ModelFile.resolve("encoder.model", file.toString(), "0".repeat(64), conf);
    assertThatThrownBy(wrong::localPath)
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("encoder.model " + ok.uri() + " has sha256 " + sha)
        .hasMessageContaining("'" + "0".repeat(64) + "'");
  }

  @Test
  void aRemoteFileIsCopiedIntoTheCacheKeyedBySha256AndVerified() throws Exception {
    Path file = model("model bytes\n");
    String sha = VerifiedModelFiles.sha256(file);
    ModelFile remote = new ModelFile("encoder.model", "alt://" + file, sha, conf);
    Path local = remote.localPath();
    assertThat(local).isEqualTo(tmp.resolve("cache").resolve(sha).resolve("m.onnx"));
    assertThat(Files.readString(local)).isEqualTo("model bytes\n");
    try (var listing = Files.list(local.getParent())) {
      assertThat(listing).containsExactly(local); // no partial file left
    }

    // A damaged cached copy is detected by another JVM (here: after forgetting) and fetched again.
    Files.writeString(local, "damaged");
    VerifiedModelFiles.forgetVerified();
    assertThat(Files.readString(remote.localPath())).isEqualTo("model bytes\n");
  }

  @Test
  void aRemoteFileWithOtherBytesIsRefusedAndNotCached() throws Exception {
    Path file = model("other bytes\n");
    ModelFile remote = new ModelFile("teacher.torchscript", "alt://" + file, "ab".repeat(32), conf);
    assertThatThrownBy(remote::localPath)
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("teacher.torchscript alt://" + file + " has sha256 " + VerifiedModelFiles.sha256(file))
        .hasMessageContaining("rerun the stage");
    try (var listing = Files.list(tmp.resolve("cache").resolve("ab".repeat(32)))) {
      assertThat(listing).isEmpty();
    }
  }

  @Test
  void aMissingFileIsNamed() {
    ModelFile missing = new ModelFile("encoder.tokenizer", "alt://" + tmp.resolve("none.json"), SHA, conf);
    assertThatThrownBy(missing::localPath)
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("encoder.tokenizer file does not exist: alt://" + tmp.resolve("none.json"));
  }
}
