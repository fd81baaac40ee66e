package org.sparkdistill.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.TestConfigs;

/**
 * Static checks of {@code deploy/} and {@code conf/} where no cluster runs here: the Spark
 * Operator application against the operator's CRD schema, the Dockerfile's build context, the
 * Airflow DAG against a stub Airflow, {@code submit.sh}'s spark-submit line, and every class,
 * subcommand, option and config key they name against the CLI's own definitions.
 */
class DeployFilesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ROOT = TestConfigs.projectRoot();
  private static final Path APP = ROOT.resolve("deploy/kubernetes/spark-distill-application.yaml");

  @TempDir Path tmp;

  // ---- Spark Operator SparkApplication ----

  /**
   * The CRD's v1beta2 OpenAPI schema, made strict: objects with declared properties refuse
   * others (what {@code kubectl apply --validate=strict} does; the API server would silently
   * prune a misspelt field).
   */
  static JsonSchema sparkApplicationSchema() throws IOException {
    JsonNode crd;
    try (InputStream in = new GZIPInputStream(DeployFilesTest.class.getResourceAsStream("/crds/sparkoperator.k8s.io_sparkapplications.yaml.gz"))) {
      crd = YAML.readTree(in);
    }
    assertThat(crd.path("spec").path("names").path("kind").asText()).isEqualTo("SparkApplication");
    JsonNode schema = null;
    for (JsonNode version : crd.path("spec").path("versions")) {
      if (version.path("name").asText().equals("v1beta2")) {
        schema = version.path("schema").path("openAPIV3Schema").deepCopy();
      }
    }
    assertThat(schema).as("v1beta2 in the CRD").isNotNull();
    strict(schema);
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
  }

  private static void strict(JsonNode node) {
    if (node instanceof ObjectNode o) {
      if (o.has("properties") && !o.has("additionalProperties") && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
        o.put("additionalProperties", false);
      }
      o.elements().forEachRemaining(DeployFilesTest::strict);
    } else if (node instanceof ArrayNode a) {
      a.elements().forEachRemaining(DeployFilesTest::strict);
    }
  }

  @Test
  void theSparkApplicationIsValidAgainstTheOperatorsV1beta2Schema() throws Exception {
    JsonSchema schema = sparkApplicationSchema();
    JsonNode app = YAML.readTree(APP.toFile());
    assertThat(app.path("apiVersion").asText()).isEqualTo("sparkoperator.k8s.io/v1beta2");
    Set<ValidationMessage> errors = schema.validate(app);
    assertThat(errors).as("schema errors in " + APP).isEmpty();

    // The schema does catch mistakes: a misspelt field and a wrong type.
    ObjectNode typo = app.deepCopy();
    ((ObjectNode) typo.path("spec").path("driver")).put("serviceAcount", "spark");
    ((ObjectNode) typo.path("spec").path("executor")).put("cores", "four");
    String messages = schema.validate(typo).stream().map(ValidationMessage::getMessage).collect(Collectors.joining("\n"));
    assertThat(messages).contains("serviceAcount").contains("cores");
  }

  @Test
  void theSparkApplicationRunsTheCliWithOneGpuSharedByAllExecutorCores() throws Exception {
    JsonNode spec = YAML.readTree(APP.toFile()).path("spec");
    assertClassExists(spec.path("mainClass").asText());
    List<String> args = new ArrayList<>();
    spec.path("arguments").forEach(a -> args.add(a.asText()));
    assertThat(CliArgs.parse(APP.toString(), args)).isEqualTo("pipeline");
    // The config is baked into the image by the Dockerfile from conf/.
    String config = CliArgs.config(args);
    assertThat(dockerCopies()).containsEntry(config, "conf/" + Path.of(config).getFileName());
    DistillConfig c = CliArgs.load(ROOT.resolve("conf").resolve(Path.of(config).getFileName()), args);

    JsonNode conf = spec.path("sparkConf");
    assertThat(conf.path("spark.executor.resource.gpu.amount").asText()).isEqualTo("1");
    assertThat(conf.has("spark.task.resource.gpu.amount")).as("GPUs only for the teacher stages' profile").isFalse();
    assertThat(conf.path("spark.executor.resource.gpu.vendor").asText()).isEqualTo("nvidia.com");
    assertThat(dockerCopies()).containsKey(conf.path("spark.executor.resource.gpu.discoveryScript").asText());
    assertThat(spec.path("executor").path("cores").asInt()).isEqualTo(CliArgs.coresForOneGpu(c)).isEqualTo(4);
    assertThat(spec.path("driver").path("serviceAccount").asText()).isNotBlank();
    assertThat(spec.path("executor").path("memoryOverhead").asText()).isNotBlank();
  }

  // ---- Dockerfile ----

  private static final Path DOCKERFILE = ROOT.resolve("deploy/docker/Dockerfile");

  /** COPY destination -> source (relative to the build context, the repository root). */
  static Map<String, String> dockerCopies() throws IOException {
    Map<String, String> copies = new java.util.LinkedHashMap<>();
    for (String line : instructions()) {
      if (line.startsWith("COPY ")) {
        List<String> words = List.of(line.substring(5).trim().split("\\s+"));
        String dest = words.get(words.size() - 1);
        for (String src : words.subList(0, words.size() - 1)) {
          copies.put(dest.endsWith("/") ? dest + Path.of(src).getFileName() : dest, src);
        }
      }
    }
    return copies;
  }

  /** Instructions with continuation lines joined and comments dropped. */
  static List<String> instructions() throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(DOCKERFILE)) {
      String t = line.strip();
      if (t.startsWith("#") || (t.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (t.endsWith("\\")) {
        current.append(t, 0, t.length() - 1).append(' ');
      } else {
        current.append(t);
        out.add(current.toString().replaceAll("\\s+", " ").strip());
        current.setLength(0);
      }
    }
    return out;
  }

  @Test
  void everyPathTheDockerfileCopiesExistsAndTheImageRunsAsNonRoot() throws Exception {
    List<String> instructions = instructions();
    assertThat(instructions).anyMatch(i -> i.matches("ARG BASE_IMAGE=apache/spark:3\\.5\\.5-java17"));
    assertThat(instructions).contains("FROM ${BASE_IMAGE}");
    String jar = "spark-jobs/target/spark-distill-jobs-" + System.getProperty("project.version", "0.1.0-SNAPSHOT") + "-job.jar";
    for (Map.Entry<String, String> copy : dockerCopies().entrySet()) {
      String src = copy.getValue();
      if (src.equals(jar)) {
        continue; // built by `mvn -B -DskipTests package`; its name is the shade plugin's
      }
      assertThat(ROOT.resolve(src)).as("COPY source " + src).exists();
    }
    assertThat(dockerCopies()).containsValue(jar);
    String user = instructions.stream().filter(i -> i.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
    assertThat(user).isNotIn("USER root", "USER 0").isEqualTo("USER 185");
    assertThat(instructions).anyMatch(i -> i.contains("DJL_CACHE_DIR=/opt/spark-distill/djl-cache"));
    // The RUN that extracts the natives calls a real subcommand with real options.
    String run = instructions.stream().filter(i -> i.contains("org.sparkdistill.cli.SparkDistill natives")).findFirst().orElseThrow();
    Matcher m = Pattern.compile("SparkDistill (natives [^&]+)").matcher(run);
    assertThat(m.find()).isTrue();
    assertThat(CliArgs.parse("Dockerfile RUN", List.of(m.group(1).trim().split(" ")))).isEqualTo("natives");
    assertThat(ROOT.resolve("deploy/docker/getGpusResources.sh")).isExecutable();
  }

  // ---- Airflow DAG ----

  @Test
  void theAirflowDagCompilesAndItsTasksArgumentsParse() throws Exception {
    assumeTrue(commandExists("python3"), "python3 is needed to import the DAG");
    Path stub = copyResources("airflow-stub", tmp.resolve("stub-root"));
    String out =
        run(List.of("python3", stub.resolve("dump_dag.py").toString(), stub.resolve("stub").toString(), ROOT.resolve("deploy/airflow/spark_distill_dag.py").toString()));
    JsonNode dag = JSON.readTree(out);
    List<String> ids = new ArrayList<>();
    for (JsonNode task : dag.path("tasks")) {
      String id = task.path("task_id").asText();
      ids.add(id);
      JsonNode kw = task.path("kwargs");
      assertClassExists(kw.path("java_class").asText());
      List<String> args = new ArrayList<>();
      kw.path("application_args").forEach(a -> args.add(a.asText()));
      String sub = CliArgs.parse("DAG task " + id, args);
      assertThat(sub.replace('-', '_')).isEqualTo(id);
      String config = CliArgs.config(args);
      assertThat(config).as("the config travels with the job").matches("^(hdfs|s3a|file):/.*");
      DistillConfig c = CliArgs.load(ROOT.resolve("conf").resolve(Path.of(config.replaceFirst("^\\w+://", "")).getFileName()), args);
      assertThat(c.workDir).contains("ds={{ ds }}");
      assertThat(kw.path("conf").path("spark.submit.deployMode").asText()).isEqualTo("cluster");
      boolean gpu = kw.path("conf").has("spark.executor.resource.gpu.amount");
      assertThat(kw.path("conf").has("spark.task.resource.gpu.amount")).isFalse();
      if (gpu) {
        assertThat(kw.path("executor_cores").asInt()).as(id + " executor cores = teacher tasks per GPU").isEqualTo(CliArgs.coresForOneGpu(c));
      } else {
        assertThat(c.resources.teacherTaskGpus).isZero();
      }
    }
    assertThat(ids).containsExactly("prepare", "encode", "train_teacher", "score");
    assertThat(dag.path("tasks").get(0).path("downstream").get(0).asText()).isEqualTo("encode");
  }

  // ---- submit.sh ----

  /** Runs submit.sh with a SPARK_HOME whose spark-submit prints its arguments, one per line. */
  private List<String> submit(Map<String, String> env, String... args) throws Exception {
    Path home = tmp.resolve("spark-home");
    Files.createDirectories(home.resolve("bin"));
    Path fake = home.resolve("bin/spark-submit");
    Files.writeString(fake, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
    fake.toFile().setExecutable(true);
    List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("deploy/submit.sh").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("JOB_JAR", "/jobs/job.jar");
    pb.environment().putAll(env);
    return List.of(run(pb).split("\n"));
  }

  private static List<String> cliArgs(List<String> line, String jar) {
    return line.subList(line.indexOf(jar) + 1, line.size());
  }

  private static String confValue(List<String> line, String key) {
    return line.stream().filter(w -> w.startsWith(key + "=")).map(w -> w.substring(key.length() + 1)).findFirst().orElse(null);
  }

  @Test
  void submitWithoutGpuAsksForNoGpuAndShipsTheConfig() throws Exception {
    List<String> line = submit(Map.of(), "yarn", "pipeline", "--config", "conf/yarn.yaml", "--set", "workDir=hdfs:///distill/x");
    assertThat(String.join(" ", line)).doesNotContain("gpu").doesNotContain("podTemplate");
    assertThat(line).containsSequence("--master", "yarn").containsSequence("--deploy-mode", "cluster");
    assertThat(line).containsSequence("--files", ROOT.resolve("conf/yarn.yaml").toString());
    assertThat(line).containsSequence("--class", "org.sparkdistill.cli.SparkDistill");
    List<String> cli = cliArgs(line, "/jobs/job.jar");
    assertThat(cli).containsExactly("pipeline", "--config", "yarn.yaml", "--set", "workDir=hdfs:///distill/x");
    CliArgs.parse("submit.sh yarn", cli);
    CliArgs.load(ROOT.resolve("conf/yarn.yaml"), cli);
    assertThat(confValue(line, "spark.executor.memoryOverhead")).isEqualTo("2g");
  }

  @Test
  void submitWithGpuMatchesExecutorCoresToTasksPerGpuAndSetsAServiceAccount() throws Exception {
    List<String> line =
        submit(
            Map.of("K8S_MASTER", "k8s://https://api:6443", "IMAGE", "registry.example.com/spark-distill:0.1.0-gpu", "TASKS_PER_GPU", "4", "K8S_SERVICE_ACCOUNT", "distill"),
            "--gpu", "k8s", "encode", "--config", "s3a://ml/conf/k8s.yaml");
    assertThat(confValue(line, "spark.executor.resource.gpu.amount")).isEqualTo("1");
    assertThat(confValue(line, "spark.executor.resource.gpu.vendor")).isEqualTo("nvidia.com");
    assertThat(confValue(line, "spark.task.resource.gpu.amount")).isNull();
    assertThat(confValue(line, "spark.kubernetes.authenticate.driver.serviceAccountName")).isEqualTo("distill");
    assertThat(confValue(line, "spark.kubernetes.executor.podTemplateFile")).endsWith("deploy/kubernetes/gpu-executor-template.yaml");
    assertThat(Path.of(confValue(line, "spark.kubernetes.executor.podTemplateFile"))).exists();
    assertThat(dockerCopies()).containsKey(confValue(line, "spark.executor.resource.gpu.discoveryScript"));
    List<String> cli = cliArgs(line, "/jobs/job.jar");
    assertThat(CliArgs.parse("submit.sh --gpu k8s", cli)).isEqualTo("encode");
    assertThat(CliArgs.config(cli)).isEqualTo("s3a://ml/conf/k8s.yaml");
    DistillConfig c = CliArgs.load(ROOT.resolve("conf/k8s.yaml"), cli);
    assertThat(c.resources.teacherTaskGpus).isEqualTo(0.25);
    assertThat(Integer.parseInt(line.get(line.indexOf("--executor-cores") + 1))).isEqualTo(CliArgs.coresForOneGpu(c)).isEqualTo(4);

    // Three tasks per GPU with two cores each: six executor cores.
    line = submit(Map.of("K8S_MASTER", "k8s://x", "IMAGE", "i", "TASKS_PER_GPU", "3", "TEACHER_TASK_CPUS", "2"), "--gpu", "k8s", "encode");
    c = CliArgs.load(ROOT.resolve("conf/k8s.yaml"), cliArgs(line, "/jobs/job.jar"));
    assertThat(Integer.parseInt(line.get(line.indexOf("--executor-cores") + 1))).isEqualTo(CliArgs.coresForOneGpu(c)).isEqualTo(6);
  }

  @Test
  void theWholeGraphPmdPresetSubmitsWithGpuExecutorsAndAGpuDriver() throws Exception {
    String driverGpu = "--conf spark.driver.resource.gpu.amount=1 --conf spark.driver.resource.gpu.discoveryScript=/opt/spark-distill/bin/getGpusResources.sh";
    List<String> line = submit(Map.of("EXTRA_CONF", driverGpu), "--gpu", "yarn", "pmd", "--config", "conf/pmd-wn18rr.yaml");
    assertThat(confValue(line, "spark.executor.resource.gpu.amount")).isEqualTo("1");
    assertThat(confValue(line, "spark.driver.resource.gpu.amount")).isEqualTo("1");
    assertThat(line).containsSequence("--files", ROOT.resolve("conf/pmd-wn18rr.yaml").toString());
    List<String> cli = cliArgs(line, "/jobs/job.jar");
    assertThat(CliArgs.parse("submit.sh --gpu yarn", cli)).isEqualTo("pmd");
    DistillConfig c = CliArgs.load(ROOT.resolve("conf/pmd-wn18rr.yaml"), cli);
    assertThat(c.resources.teacherTaskGpus).isEqualTo(0.25);
    assertThat(c.kg.sampleEntities).isZero();
    assertThat(c.pmd.maxLength).isEqualTo(50);
    assertThat(c.pmd.finetune.maxTriples).isZero();
    assertThat(c.pmd.finetune.batchSize).isEqualTo(1024);
    assertThat(c.pmd.finetune.device).isEqualTo(org.sparkdistill.udfs.model.DeviceSelector.Preference.GPU);
    assertThat(c.pmd.grades.seeds).containsExactly(1L, 2L, 3L);
    // the grades are the defaults: four, from 6 layers down to 1
    assertThat(c.pmd.grades.layerMaps).hasSize(4);
  }

  @Test
  void submitRefusesMismatchedCoresAndUnshippableConfigs() throws Exception {
    assertThat(submitFails(Map.of("EXECUTOR_CORES", "8", "TASKS_PER_GPU", "4"), "--gpu", "yarn", "encode"))
        .contains("EXECUTOR_CORES must be TASKS_PER_GPU x TEACHER_TASK_CPUS = 4");
    assertThat(submitFails(Map.of("K8S_MASTER", "k8s://x", "IMAGE", "i"), "k8s", "encode", "--config", "conf/k8s.yaml"))
        .contains("K8S_UPLOAD_PATH");
    assertThat(submitFails(Map.of(), "yarn", "encode", "--config", "conf/nope.yaml")).contains("neither a local file nor a URI");
  }

  private String submitFails(Map<String, String> env, String... args) throws Exception {
    try {
      submit(env, args);
    } catch (AssertionError e) {
      return e.getMessage();
    }
    throw new AssertionError("submit.sh accepted " + List.of(args));
  }

  // ---- every name in deploy/ and conf/ ----

  @Test
  void everyClassSubcommandAndOptionNamedInDeployAndConfExists() throws Exception {
    Pattern className = Pattern.compile("org\\.sparkdistill(\\.[A-Za-z_][A-Za-z0-9_]*)+");
    Pattern command = Pattern.compile("(?:run-local\\.sh|submit\\.sh)((?: --gpu)?(?: (?:yarn|k8s|standalone))?) ([a-z][a-z-]*(?![\\w-])(?: [^#|;&`]*)?)");
    Set<String> classes = new TreeSet<>();
    List<String> commandLines = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> deploy = Files.walk(ROOT.resolve("deploy"));
        Stream<Path> conf = Files.walk(ROOT.resolve("conf"))) {
      files = Stream.concat(deploy, conf).filter(Files::isRegularFile).toList();
    }
    for (Path file : files) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      Matcher m = className.matcher(text);
      while (m.find()) {
        classes.add(m.group());
      }
      for (String line : text.split("\n")) {
        Matcher c = command.matcher(line);
        if (c.find() && !line.contains("usage:") && !line.contains("<command>")) {
          commandLines.add(file.getFileName() + ": " + c.group(2).strip());
        }
      }
    }
    for (String name : classes) {
      if (!name.equals("org.sparkdistill.shaded")) {
        assertClassExists(name);
      }
    }
    assertThat(classes).contains("org.sparkdistill.cli.SparkDistill");
    assertThat(commandLines).hasSizeGreaterThanOrEqualTo(3);
    for (String line : commandLines) {
      String where = line.substring(0, line.indexOf(": "));
      List<String> args = List.of(line.substring(line.indexOf(": ") + 2).replace("\"", "").split("\\s+"));
      CliArgs.parse(where, args.stream().filter(a -> !a.isBlank() && !a.equals("...") && !a.startsWith("$")).toList());
    }
  }

  // ---- helpers ----

  private static void assertClassExists(String name) {
    try {
      Class.forName(name, false, DeployFilesTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      // A package name (e.g. a log4j logger) is fine when some class lives in it.
      String path = name.replace('.', '/');
      assertThat(DeployFilesTest.class.getClassLoader().getResource(path)).as("class or package " + name).isNotNull();
    }
  }

  private static boolean commandExists(String name) {
    try {
      return new ProcessBuilder("sh", "-c", "command -v " + name).start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static String run(List<String> command) throws Exception {
    return run(new ProcessBuilder(command));
  }

  private static String run(ProcessBuilder pb) throws Exception {
    Path err = Files.createTempFile("deploy-test", ".err");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String stderr = Files.readString(err);
    Files.delete(err);
    if (p.exitValue() != 0) {
      throw new AssertionError(pb.command() + " exited " + p.exitValue() + ": " + stderr + out);
    }
    return out;
  }

  private static Path copyResources(String dir, Path target) throws Exception {
    Path source = Path.of(DeployFilesTest.class.getResource("/" + dir).toURI());
    try (Stream<Path> walk = Files.walk(source)) {
      for (Path p : walk.toList()) {
        Path t = target.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return target;
  }
}
