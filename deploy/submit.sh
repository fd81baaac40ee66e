#!/usr/bin/env bash
# Submits one spark-distill command to a cluster with spark-submit (YARN or Kubernetes).
#   deploy/submit.sh yarn pipeline --config conf/yarn.yaml --set workDir=hdfs:///distill/ds=2026-11-22
#   deploy/submit.sh k8s  pipeline --config conf/k8s.yaml
# The job jar is the shaded spark-jobs/target/spark-distill-jobs-*-job.jar (Spark is provided by
# the cluster). Environment: SPARK_HOME, JOB_JAR, EXTRA_CONF (more --conf flags), and for k8s
# K8S_MASTER (k8s://https://host:port) and IMAGE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:?usage: submit.sh yarn|k8s <command> [options]}"; shift
jar="${JOB_JAR:-$(ls "$root"/spark-jobs/target/spark-distill-jobs-*-job.jar 2>/dev/null | head -n1)}"
[[ -n "$jar" && -f "$jar" ]] || { echo "error: no job jar; build it with: mvn -B -DskipTests package" >&2; exit 2; }
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation}"

# Executors load libtorch / ONNX Runtime natives: keep DJL offline, one libtorch thread per task,
# and give the JVM room outside the heap.
common=(
  --class org.sparkdistill.cli.SparkDistill
  --conf spark.executor.extraJavaOptions="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1"
  --conf spark.driver.extraJavaOptions="-Dai.djl.offline=true"
  --conf spark.executor.memoryOverhead=1g
)

case "$target" in
  yarn)
    exec "$SPARK_HOME/bin/spark-submit" --master yarn --deploy-mode cluster "${common[@]}" \
      --conf spark.yarn.maxAppAttempts=1 \
      ${EXTRA_CONF:-} "$jar" "$@"
    ;;
  k8s)
    : "${K8S_MASTER:?set K8S_MASTER=k8s://https://<api-server>:<port>}"
    : "${IMAGE:?set IMAGE to a Spark 3.5 image holding the job jar at /opt/spark-distill/job.jar}"
    exec "$SPARK_HOME/bin/spark-submit" --master "$K8S_MASTER" --deploy-mode cluster "${common[@]}" \
      --conf spark.kubernetes.container.image="$IMAGE" \
      --conf spark.kubernetes.executor.podTemplateFile="$root/deploy/kubernetes/gpu-executor-template.yaml" \
      ${EXTRA_CONF:-} local:///opt/spark-distill/job.jar "$@"
    ;;
  *) echo "error: target must be yarn or k8s, got: $target" >&2; exit 2 ;;
esac
