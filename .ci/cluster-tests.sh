#!/usr/bin/env bash
# Real clusters on loopback, run by .ci/run after `mvn test`:
#  1. the shaded job jar (mvn -B -DskipTests package; SKIP_PACKAGE=1: the jar .ci/run's `mvn package` built) submitted with deploy/submit.sh (spark-submit,
#     cluster deploy mode) to a standalone master and two workers (--cores 2 each; the driver takes
#     a worker core), running the CI preset of the pipeline twice (the second run must skip every
#     stage), then a failing run whose non-zero status must reach spark-submit;
#  2. object storage: S3Proxy (a real S3 API, filesystem blobstore, its own JVM and classpath) on
#     127.0.0.1; the config, the data and the encoder are read from s3a://, prepare and encode write
#     to s3a:// through Spark's S3A committer; then skip, refuse and --overwrite are checked there.
# Spark's jars (and hadoop-aws + the AWS SDK bundle, which a cluster supplies) come from
# .ci/spark-dist/pom.xml. Everything listens on 127.0.0.1 only; processes are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
T="$root/target/cluster-tests"
rm -rf "$T"; mkdir -p "$T"
t0=$(date +%s)
say() { echo "[cluster-tests +$(( $(date +%s) - t0 ))s] $*"; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "error: no free port" >&2; exit 1
}
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  for _ in $(seq 1 "$limit"); do if "$@"; then return 0; fi; sleep 1; done
  echo "error: timed out waiting for $what" >&2; exit 1
}

if [[ "${SKIP_PACKAGE:-0}" != 1 ]]; then
  say "building the job jar"
  mvn -B -ntp -q -DskipTests package
fi
jar="$(ls "$root"/spark-jobs/target/spark-distill-jobs-*-job.jar)"
if unzip -l "$jar" | grep -qE ' (com/amazonaws/|software/amazon/awssdk/|org/apache/spark/|org/apache/hadoop/fs/s3a/)'; then
  echo "error: the job jar holds Spark, Hadoop's S3A or the AWS SDK; they must stay provided" >&2; exit 1
fi
say "job jar $(du -m "$jar" | cut -f1) MB: no Spark, no AWS SDK"

say "Spark jars and S3Proxy classpath"
export SPARK_HOME="$root/target/spark-dist"
mvn -B -ntp -q -f .ci/spark-dist/pom.xml dependency:copy-dependencies -DoutputDirectory="$SPARK_HOME/jars" -Dmdep.overWriteIfNewer=true
mvn -B -ntp -q -f .ci/s3proxy/pom.xml dependency:build-classpath -Dmdep.outputFile="$root/target/s3proxy-classpath.txt"
opens="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
mkdir -p "$SPARK_HOME/bin"
# What bin/spark-submit of a Spark distribution does: SparkSubmit on Spark's jars, with
# HADOOP_CONF_DIR (when set) first on the classpath.
cat > "$SPARK_HOME/bin/spark-submit" <<SUBMIT
#!/usr/bin/env bash
exec java $opens -Xmx512m -cp "\${HADOOP_CONF_DIR:+\$HADOOP_CONF_DIR:}$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit "\$@"
SUBMIT
chmod +x "$SPARK_HOME/bin/spark-submit"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12

# CLUSTER_TESTS selects sections (default all): pipeline, failure, s3, yarn.
sections=" ${CLUSTER_TESTS:-pipeline failure s3 yarn} "
if [[ "$sections" == *" pipeline "* || "$sections" == *" failure "* || "$sections" == *" s3 "* ]]; then
say "standalone master and two workers on 127.0.0.1"
mport=$(free_port)
java $opens -Xmx256m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$mport" --webui-port 0 > "$T/master.log" 2>&1 &
pids+=($!)
for w in 1 2; do
  mkdir -p "$T/worker-$w"
  java $opens -Xmx256m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores 2 --memory 3g --webui-port 0 --work-dir "$T/worker-$w" \
    "spark://127.0.0.1:$mport" > "$T/worker-$w.log" 2>&1 &
  pids+=($!)
done
wait_for 90 "two registered workers" bash -c "[[ \$(grep -c 'Registering worker' '$T/master.log') -ge 2 ]]"
say "workers registered"
fi

# One spark-submit in cluster mode through deploy/submit.sh; prints the driver's stdout file.
submit() {
  local name=$1; shift
  local before; before=$(ls -d "$T"/worker-*/driver-* 2>/dev/null | sort || true)
  local rc=0
  STANDALONE_MASTER="spark://127.0.0.1:$mport" JOB_JAR="$jar" \
    DRIVER_MEMORY=1500m EXECUTOR_MEMORY=1g EXECUTOR_MEMORY_OVERHEAD=512m EXECUTOR_CORES=1 NUM_EXECUTORS=2 \
    DRIVER_JAVA_OPTS="$opens -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -Dlog4j.configurationFile=$root/conf/log4j2.properties" \
    EXECUTOR_JAVA_OPTS="-Ddistill.modelCacheDir=$T/model-cache" \
    EXTRA_CONF="${EXTRA_CONF:-} --conf spark.driver.host=127.0.0.1 --conf spark.ui.enabled=false" \
    deploy/submit.sh standalone "$@" > "$T/$name.submit.log" 2>&1 || rc=$?
  local driver; driver=$(comm -13 <(echo "$before") <(ls -d "$T"/worker-*/driver-* | sort) | head -n1)
  [[ -n "$driver" ]] || { echo "error: no driver directory for $name" >&2; cat "$T/$name.submit.log" >&2; exit 1; }
  cp "$driver/stdout" "$T/$name.stdout"; cp "$driver/stderr" "$T/$name.stderr"
  echo "$rc" > "$T/$name.rc"
  say "$name: spark-submit exit status $rc (driver $(basename "$driver"))"
}
expect_ok() { [[ $(cat "$T/$1.rc") == 0 ]] || { echo "error: $1 failed" >&2; tail -n 40 "$T/$1.stderr" >&2; exit 1; }; }

# ---- 1. the CI preset of the pipeline on the standalone cluster ----
# The CI smoke preset without the learning curve (local mode runs that in .ci/run): the teacher
# chain, both students, evaluation and the report, in cluster deploy mode.
preset=(--set data.maxRows=800 --set encoder.maxLength=64 --set data.split.labelledPerClass=10
        --set 'curve.labelsPerClass=[]' --set evaluate.speedRows=32 --set student.epochs=8)
paths=(--set "workDir=file://$T/work" --set "data.path=file://$root/data/debian/debian-sections-20.jsonl.gz"
       --set "encoder.model=file://$root/target/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx"
       --set "encoder.tokenizer=file://$root/target/models/all-minilm-l6-v2/all-minilm-l6-v2-tokenizer.json")
if [[ "$sections" == *" pipeline "* ]]; then
submit pipeline-1 pipeline --config "$root/conf/local.yaml" "${paths[@]}" "${preset[@]}"
expect_ok pipeline-1
grep -q "test       0\." "$T/pipeline-1.stdout"
grep -q "| student (kd) |" "$T/pipeline-1.stdout"
ls "$T"/work/evaluation-kd/_manifest.*.json > /dev/null
grep -q "app-" "$T/pipeline-1.stderr" || true
submit pipeline-2 pipeline --config "$root/conf/local.yaml" "${paths[@]}" "${preset[@]}"
expect_ok pipeline-2
if grep -q " done in " "$T/pipeline-2.stdout"; then echo "error: the second cluster run recomputed a stage" >&2; exit 1; fi
grep -q "State of driver .* is FINISHED" "$T/pipeline-1.submit.log"
say "standalone cluster: pipeline OK (driver FINISHED), the rerun skipped every stage"
fi
if [[ "$sections" == *" failure "* ]]; then
submit pipeline-bad prepare --config "$root/conf/local.yaml" "${paths[@]}" --set score.mcPasses=0
grep -q "State of driver .* is FAILED" "$T/pipeline-bad.submit.log" \
  || { echo "error: the master did not record the failed driver as FAILED" >&2; exit 1; }
[[ $(cat "$T/pipeline-bad.rc") != 0 ]] || { echo "error: submit.sh exited 0 for a FAILED driver" >&2; exit 1; }
grep -q "score.mcPasses must be >= 1" "$T/pipeline-bad.stderr"
say "standalone cluster: a failing driver is FAILED at the master and submit.sh exits non-zero"
fi

# ---- 2. object storage through S3Proxy ----
if [[ "$sections" == *" s3 "* ]]; then
sport=$(free_port)
mkdir -p "$T/s3/distill"
cat > "$T/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$sport
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=ci-access-key
s3proxy.credential=ci-secret-key
jclouds.provider=filesystem
jclouds.filesystem.basedir=$T/s3
PROPS
# Without a logback file S3Proxy logs every Jetty event at DEBUG (slow): warnings only.
cat > "$T/s3proxy-logback.xml" <<'XML'
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%d %level %logger - %msg%n</pattern></encoder></appender>
  <root level="WARN"><appender-ref ref="out"/></root>
</configuration>
XML
java -Xmx256m -Dlogback.configurationFile="$T/s3proxy-logback.xml" -cp "$(cat "$root/target/s3proxy-classpath.txt")" org.gaul.s3proxy.Main --properties "$T/s3proxy.properties" > "$T/s3proxy.log" 2>&1 &
pids+=($!)
wait_for 60 "S3Proxy" bash -c "(exec 3<>/dev/tcp/127.0.0.1/$sport) 2>/dev/null"
# Upload the config, data and encoder through the S3 API (Hadoop's shell over s3a://, so the
# objects carry the ETags S3A's change detection checks); the bucket is the blobstore's directory.
mkdir -p "$T/hadoop-conf"
cat > "$T/hadoop-conf/core-site.xml" <<XML
<configuration>
  <property><name>fs.s3a.endpoint</name><value>http://127.0.0.1:$sport</value></property>
  <property><name>fs.s3a.path.style.access</name><value>true</value></property>
  <property><name>fs.s3a.connection.ssl.enabled</name><value>false</value></property>
  <property><name>fs.s3a.access.key</name><value>ci-access-key</value></property>
  <property><name>fs.s3a.secret.key</name><value>ci-secret-key</value></property>
  <property><name>fs.s3a.aws.credentials.provider</name><value>org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider</value></property>
  <property><name>fs.s3a.directory.marker.retention</name><value>keep</value></property>
</configuration>
XML
fsshell() { java $opens -Xmx256m -cp "$T/hadoop-conf:$SPARK_HOME/jars/*" org.apache.hadoop.fs.FsShell "$@" > "$T/fsshell.log" 2>&1 \
  || { echo "error: hadoop fs $* failed:" >&2; cat "$T/fsshell.log" >&2; exit 1; }; }
# S3Proxy's filesystem blobstore lists an empty directory marker as nothing, so S3A (and the
# shell's parent check) would not see the prefixes: seed each with a placeholder object.
for d in conf data models; do mkdir -p "$T/s3/distill/$d"; echo placeholder > "$T/s3/distill/$d/_placeholder"; done
fsshell -put -f conf/local.yaml s3a://distill/conf/
fsshell -put -f data/debian/debian-sections-20.jsonl.gz s3a://distill/data/
fsshell -put -f target/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx target/models/all-minilm-l6-v2/all-minilm-l6-v2-tokenizer.json s3a://distill/models/
say "config, data and encoder uploaded to s3a://distill/"
s3conf="--conf spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:$sport --conf spark.hadoop.fs.s3a.path.style.access=true
 --conf spark.hadoop.fs.s3a.connection.ssl.enabled=false --conf spark.hadoop.fs.s3a.access.key=ci-access-key
 --conf spark.hadoop.fs.s3a.secret.key=ci-secret-key --conf spark.hadoop.fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider
 --conf spark.hadoop.fs.s3a.directory.marker.retention=keep
 --conf spark.hadoop.fs.s3a.committer.name=magic --conf spark.hadoop.fs.s3a.committer.magic.enabled=true
 --conf spark.sql.sources.commitProtocolClass=org.apache.spark.internal.io.cloud.PathOutputCommitProtocol
 --conf spark.sql.parquet.output.committer.class=org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter"
s3args=(--set workDir=s3a://distill/work --set data.path=s3a://distill/data/debian-sections-20.jsonl.gz
        --set encoder.model=s3a://distill/models/all-minilm-l6-v2.onnx
        --set encoder.tokenizer=s3a://distill/models/all-minilm-l6-v2-tokenizer.json
        --set data.maxRows=200 --set encoder.maxLength=64 --set encoder.partitions=2)
export EXTRA_CONF="$s3conf"
submit s3-prepare prepare --config s3a://distill/conf/local.yaml "${s3args[@]}"
expect_ok s3-prepare
submit s3-encode encode --config s3a://distill/conf/local.yaml "${s3args[@]}"
expect_ok s3-encode
grep -q " done in " "$T/s3-encode.stdout"
ls "$T"/s3/distill/work/encode/_manifest.*.json > /dev/null
ls "$T"/model-cache/*/all-minilm-l6-v2.onnx > /dev/null   # executors fetched the encoder from s3a:// and verified it
python3 - "$T/s3/distill/work/encode" <<'PY'
import json, os, sys
out = sys.argv[1]
import glob
m = json.load(open(sorted(glob.glob(os.path.join(out, "_manifest.*.json")))[-1]))
files = m.get("files") or m.get("dataFiles") or []
assert files, "manifest lists no data files"
for f in files:
    parts = f.split("/")
    assert not any(p.startswith(("_", ".")) for p in parts), f"manifest lists a non-data file: {f}"
    assert os.path.isfile(os.path.join(out, f)), f"listed file missing: {f}"
import hashlib
bucket = os.path.dirname(os.path.dirname(out))
onnx = hashlib.sha256(open(os.path.join(bucket, "models", "all-minilm-l6-v2.onnx"), "rb").read()).hexdigest()
assert m["models"]["encoder"] == onnx, f"manifest encoder sha256 {m['models']['encoder']} != {onnx}"
print(f"encode manifest on s3a:// lists {len(files)} data files, all present; encoder sha256 matches the object")
PY
submit s3-encode-skip encode --config s3a://distill/conf/local.yaml "${s3args[@]}"
expect_ok s3-encode-skip
if grep -q " done in " "$T/s3-encode-skip.stdout"; then echo "error: the rerun on s3a:// recomputed encode" >&2; exit 1; fi
submit s3-encode-refuse encode --config s3a://distill/conf/local.yaml "${s3args[@]}" --set encoder.maxLength=48
[[ $(cat "$T/s3-encode-refuse.rc") != 0 ]] || { echo "error: a changed setting on s3a:// was not refused" >&2; exit 1; }
grep -q "encoder.maxLength: 64 -> 48" "$T/s3-encode-refuse.stderr"
submit s3-encode-overwrite encode --config s3a://distill/conf/local.yaml "${s3args[@]}" --set encoder.maxLength=48 --overwrite
expect_ok s3-encode-overwrite
grep -q '"encoder.maxLength" *: *"\?48' "$(ls "$T"/s3/distill/work/encode/_manifest.*.json | sort | tail -1)"
unset EXTRA_CONF
say "S3 (S3Proxy): prepare + encode on s3a://, skip, refuse and --overwrite OK"
fi
# ---- 3. YARN in cluster mode, with the data on HDFS ----
# An in-process HDFS and YARN (.ci/minicluster: MiniDFSCluster + MiniYARNCluster, its own JVM and
# classpath) write the HADOOP_CONF_DIR a user would have; deploy/submit.sh yarn ships the local
# config with --files, the driver runs in the ApplicationMaster's container, and the teacher
# stages (prepare, encode, train-teacher, score) read the data and the encoder from hdfs:// and
# write there.
if [[ "$sections" == *" yarn "* ]]; then
say "HDFS and YARN (MiniDFSCluster, MiniYARNCluster) on loopback"
mvn -B -ntp -q -f .ci/minicluster/pom.xml package dependency:build-classpath -Dmdep.outputFile="$root/target/minicluster-classpath.txt"
export HADOOP_CONF_DIR="$T/yarn-conf"
java $opens -Xmx768m -cp "$root/.ci/minicluster/target/minicluster-1.jar:$(cat "$root/target/minicluster-classpath.txt")" \
  org.sparkdistill.ci.MiniClusters "$T/yarn" "$HADOOP_CONF_DIR" 6144 4 > "$T/minicluster.log" 2>&1 &
pids+=($!)
wait_for 180 "HDFS and YARN" test -f "$HADOOP_CONF_DIR/ready"
hdfs() { java $opens -Xmx256m -cp "$HADOOP_CONF_DIR:$SPARK_HOME/jars/*" org.apache.hadoop.fs.FsShell "$@" 2> "$T/hdfs.log" \
  || { echo "error: hadoop fs $* failed:" >&2; cat "$T/hdfs.log" >&2; exit 1; }; }
hdfs -mkdir -p /distill/data /distill/models
hdfs -put -f data/debian/debian-sections-20.jsonl.gz /distill/data/
hdfs -put -f target/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx target/models/all-minilm-l6-v2/all-minilm-l6-v2-tokenizer.json /distill/models/
say "YARN up ($(sed -n 2p "$HADOOP_CONF_DIR/ready")), data and encoder on $(sed -n 1p "$HADOOP_CONF_DIR/ready")"
yarn_submit() {
  local name=$1; shift
  local rc=0
  JOB_JAR="$jar" DRIVER_MEMORY=1g EXECUTOR_MEMORY=1g EXECUTOR_MEMORY_OVERHEAD=512m EXECUTOR_CORES=1 NUM_EXECUTORS=2 \
    DRIVER_JAVA_OPTS="-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1" \
    EXECUTOR_JAVA_OPTS="-Ddistill.modelCacheDir=$T/yarn-model-cache" \
    EXTRA_CONF="--conf spark.yarn.jars=local:$SPARK_HOME/jars/* --conf spark.ui.enabled=false
      --conf spark.yarn.appMasterEnv.JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
      --conf spark.executorEnv.JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
      --conf spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1 --conf spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1" \
    deploy/submit.sh yarn "$@" > "$T/$name.submit.log" 2>&1 || rc=$?
  echo "$rc" > "$T/$name.rc"
  say "$name: spark-submit exit status $rc ($(grep -o 'application_[0-9_]*' "$T/$name.submit.log" | head -n1))"
}
yarn_ok() { [[ $(cat "$T/$1.rc") == 0 ]] && grep -q "final status: SUCCEEDED" "$T/$1.submit.log" \
  || { echo "error: $1 failed on YARN" >&2; tail -n 40 "$T/$1.submit.log" >&2; find "$T/yarn" -name stderr -path "*$(grep -o 'application_[0-9_]*' "$T/$1.submit.log" | head -n1)*" -exec tail -n 30 {} \; >&2; exit 1; }; }
yargs=(--set workDir=hdfs:///distill/work --set data.path=hdfs:///distill/data/debian-sections-20.jsonl.gz
       --set encoder.model=hdfs:///distill/models/all-minilm-l6-v2.onnx
       --set encoder.tokenizer=hdfs:///distill/models/all-minilm-l6-v2-tokenizer.json
       --set data.maxRows=200 --set encoder.maxLength=64 --set encoder.partitions=2)
yarn_submit yarn-teacher teacher --config conf/local.yaml "${yargs[@]}"
yarn_ok yarn-teacher
hdfs -ls /distill/work/encode > "$T/yarn-encode.ls"
grep -q "_manifest.00000001.json" "$T/yarn-encode.ls" || { echo "error: no encode manifest on HDFS" >&2; cat "$T/yarn-encode.ls" >&2; exit 1; }
hdfs -cat "/distill/work/encode/_manifest.00000001.json" > "$T/yarn-encode.manifest.json"
python3 - "$T/yarn-encode.manifest.json" "$root/target/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
onnx = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert m["models"]["encoder"] == onnx, f"manifest encoder sha256 {m['models']['encoder']} != {onnx}"
assert m["rowCount"] == 200, f"encode manifest records {m['rowCount']} rows, expected 200"
print("encode manifest on hdfs:// records 200 rows; encoder sha256 matches the file")
PY
hdfs -ls /distill/work/score > "$T/yarn-score.ls"
grep -q "_manifest.00000001.json" "$T/yarn-score.ls" || { echo "error: no score manifest on HDFS" >&2; cat "$T/yarn-score.ls" >&2; exit 1; }
unset HADOOP_CONF_DIR
say "YARN (MiniYARNCluster): the teacher stages in cluster mode, config shipped with --files, data on HDFS OK"
fi
say "cluster tests: OK in $(( $(date +%s) - t0 )) s"
