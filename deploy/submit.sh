#!/usr/bin/env bash
# Submits one spark-distill command with spark-submit in cluster deploy mode.
#   deploy/submit.sh yarn pipeline --config conf/yarn.yaml --set workDir=hdfs:///distill/debian/ds=2026-11-22
#   deploy/submit.sh --gpu k8s encode --config s3a://ml-distill/conf/k8s.yaml
#   deploy/submit.sh standalone pipeline --config file:///shared/conf/local.yaml
#
# The config travels with the job: a local --config FILE is shipped with --files (YARN, and
# Kubernetes with K8S_UPLOAD_PATH) and the CLI is given its file name, which is where the driver
# finds it; a URI (hdfs://, s3a://, file://) is passed as is and read through Hadoop.
#
# GPUs only with --gpu: executors get one GPU each (discovery script), TASKS_PER_GPU teacher
# tasks share it (resources.teacherTaskGpus = 1/TASKS_PER_GPU, a task-only resource profile on
# the encode / TorchScript score stages only), and executors get TASKS_PER_GPU x
# TEACHER_TASK_CPUS cores so no core idles. Other stages run plain CPU tasks on the same cores.
#
# Environment (defaults in brackets):
#   SPARK_HOME            a Spark 3.5.x (Scala 2.12) installation (required)
#   JOB_JAR               the job jar [spark-jobs/target/spark-distill-jobs-*-job.jar]; k8s: [local:///opt/spark-distill/job.jar]
#   NUM_EXECUTORS [2]  EXECUTOR_CORES [4; with --gpu TASKS_PER_GPU x TEACHER_TASK_CPUS]
#   EXECUTOR_MEMORY [8g]  EXECUTOR_MEMORY_OVERHEAD [2g: libtorch / ONNX Runtime memory lives outside the heap]
#   DRIVER_MEMORY [4g]
#   TASKS_PER_GPU [4]  TEACHER_TASK_CPUS [1]  GPU_DISCOVERY_SCRIPT [/opt/spark-distill/bin/getGpusResources.sh]
#   yarn:       YARN_QUEUE [default]
#   k8s:        K8S_MASTER (k8s://https://host:port), IMAGE, K8S_NAMESPACE [default],
#               K8S_SERVICE_ACCOUNT [spark], K8S_UPLOAD_PATH (s3a://... ; needed to ship a local config)
#   standalone: STANDALONE_MASTER (spark://host:7077); a local config must exist at the same
#               absolute path on the worker that runs the driver (a shared mount)
#   DRIVER_JAVA_OPTS, EXECUTOR_JAVA_OPTS   appended to the driver's / executors' JVM options
#   EXTRA_CONF            more spark-submit flags, word-split
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: submit.sh [--gpu] yarn|k8s|standalone <command> [options]"
gpu=0
if [[ "${1:-}" == --gpu ]]; then gpu=1; shift; fi
target="${1:?$usage}"; shift
[[ $# -ge 1 ]] || { echo "error: no spark-distill command; $usage" >&2; exit 2; }
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation}"

tasks_per_gpu="${TASKS_PER_GPU:-4}"
task_cpus="${TEACHER_TASK_CPUS:-1}"
[[ "$tasks_per_gpu" =~ ^[1-9][0-9]*$ && "$task_cpus" =~ ^[1-9][0-9]*$ ]] \
  || { echo "error: TASKS_PER_GPU and TEACHER_TASK_CPUS must be positive integers, got: $tasks_per_gpu, $task_cpus" >&2; exit 2; }
if [[ $gpu == 1 ]]; then
  cores=$((tasks_per_gpu * task_cpus))
  if [[ -n "${EXECUTOR_CORES:-}" && "$EXECUTOR_CORES" != "$cores" ]]; then
    echo "error: with --gpu, EXECUTOR_CORES must be TASKS_PER_GPU x TEACHER_TASK_CPUS = $cores (one GPU per executor), got: $EXECUTOR_CORES" >&2
    exit 2
  fi
else
  cores="${EXECUTOR_CORES:-4}"
fi

# The CLI arguments, with a local --config shipped and renamed to its file name.
files=()
args=()
ship_config() {
  local value="$1"
  if [[ "$value" =~ ^[A-Za-z][A-Za-z0-9+.-]+:/ ]]; then
    args+=(--config "$value")
  elif [[ -f "$value" ]]; then
    local abs; abs="$(cd "$(dirname "$value")" && pwd)/$(basename "$value")"
    if [[ "$target" == standalone ]]; then
      args+=(--config "file://$abs")
    else
      files+=("$abs")
      args+=(--config "$(basename "$value")")
    fi
  else
    echo "error: --config $value is neither a local file nor a URI (hdfs://, s3a://, file://)" >&2
    exit 2
  fi
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    -c|--config) [[ $# -ge 2 ]] || { echo "error: $1 needs a value" >&2; exit 2; }; ship_config "$2"; shift 2 ;;
    --config=*) ship_config "${1#--config=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ $gpu == 1 ]]; then
  share="$(awk -v n="$tasks_per_gpu" 'BEGIN { printf "%.10g", 1 / n }')"
  args+=(--set "resources.teacherTaskGpus=$share" --set "resources.teacherTaskCpus=$task_cpus")
fi

java_opts="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=$task_cpus -Dai.djl.pytorch.num_interop_threads=1 ${EXECUTOR_JAVA_OPTS:-}"
driver_opts="-Dai.djl.offline=true ${DRIVER_JAVA_OPTS:-}"
conf=(
  --class org.sparkdistill.cli.SparkDistill
  --deploy-mode cluster
  --driver-memory "${DRIVER_MEMORY:-4g}"
  --executor-memory "${EXECUTOR_MEMORY:-8g}"
  --executor-cores "$cores"
  --conf spark.executor.memoryOverhead="${EXECUTOR_MEMORY_OVERHEAD:-2g}"
)
if [[ $gpu == 1 ]]; then
  conf+=(
    --conf spark.executor.resource.gpu.amount=1
    --conf spark.executor.resource.gpu.discoveryScript="${GPU_DISCOVERY_SCRIPT:-/opt/spark-distill/bin/getGpusResources.sh}"
  )
fi
ship=()
if [[ ${#files[@]} -gt 0 ]]; then ship=(--files "$(IFS=,; echo "${files[*]}")"); fi

case "$target" in
  yarn)
    jar="${JOB_JAR:-$(ls "$root"/spark-jobs/target/spark-distill-jobs-*-job.jar 2>/dev/null | head -n1)}"
    [[ -n "$jar" ]] || { echo "error: no job jar; build it with: mvn -B -DskipTests package" >&2; exit 2; }
    exec "$SPARK_HOME/bin/spark-submit" --master yarn --queue "${YARN_QUEUE:-default}" "${conf[@]}" \
      --num-executors "${NUM_EXECUTORS:-2}" \
      --conf spark.yarn.maxAppAttempts=1 \
      --conf spark.executor.extraJavaOptions="$java_opts" \
      --conf spark.driver.extraJavaOptions="$driver_opts" \
      "${ship[@]}" ${EXTRA_CONF:-} "$jar" "${args[@]}"
    ;;
  k8s)
    : "${K8S_MASTER:?set K8S_MASTER=k8s://https://<api-server>:<port>}"
    : "${IMAGE:?set IMAGE to the image built from deploy/docker/Dockerfile}"
    if [[ ${#files[@]} -gt 0 && -z "${K8S_UPLOAD_PATH:-}" ]]; then
      echo "error: shipping a local config to Kubernetes needs K8S_UPLOAD_PATH (e.g. s3a://bucket/spark-uploads); or pass --config s3a://..." >&2
      exit 2
    fi
    k8s=(
      --conf spark.kubernetes.namespace="${K8S_NAMESPACE:-default}"
      --conf spark.kubernetes.authenticate.driver.serviceAccountName="${K8S_SERVICE_ACCOUNT:-spark}"
      --conf spark.kubernetes.container.image="$IMAGE"
      --conf spark.executor.instances="${NUM_EXECUTORS:-2}"
      --conf spark.executor.extraJavaOptions="$java_opts -Donnxruntime.native.path=/opt/spark-distill/native/onnxruntime"
      --conf spark.driver.extraJavaOptions="$driver_opts -Donnxruntime.native.path=/opt/spark-distill/native/onnxruntime"
    )
    if [[ -n "${K8S_UPLOAD_PATH:-}" ]]; then k8s+=(--conf spark.kubernetes.file.upload.path="$K8S_UPLOAD_PATH"); fi
    if [[ $gpu == 1 ]]; then
      k8s+=(
        --conf spark.executor.resource.gpu.vendor=nvidia.com
        --conf spark.kubernetes.executor.podTemplateFile="$root/deploy/kubernetes/gpu-executor-template.yaml"
      )
    fi
    exec "$SPARK_HOME/bin/spark-submit" --master "$K8S_MASTER" "${conf[@]}" "${k8s[@]}" \
      "${ship[@]}" ${EXTRA_CONF:-} "${JOB_JAR:-local:///opt/spark-distill/job.jar}" "${args[@]}"
    ;;
  standalone)
    : "${STANDALONE_MASTER:?set STANDALONE_MASTER=spark://<host>:7077}"
    jar="${JOB_JAR:-$(ls "$root"/spark-jobs/target/spark-distill-jobs-*-job.jar 2>/dev/null | head -n1)}"
    [[ -n "$jar" ]] || { echo "error: no job jar; build it with: mvn -B -DskipTests package" >&2; exit 2; }
    # waitAppCompletion: spark-submit stays until the driver ends, but exits 0 whatever the
    # driver's final state; the master's verdict is in its log line, turned into our status here.
    log="$(mktemp)"
    status=0
    "$SPARK_HOME/bin/spark-submit" --master "$STANDALONE_MASTER" "${conf[@]}" \
      --total-executor-cores "$((cores * ${NUM_EXECUTORS:-2}))" \
      --conf spark.standalone.submit.waitAppCompletion=true \
      --conf spark.executor.extraJavaOptions="$java_opts" \
      --conf spark.driver.extraJavaOptions="$driver_opts" \
      ${EXTRA_CONF:-} "$jar" "${args[@]}" 2>&1 | tee "$log" || status=$?
    if grep -qE "State of driver [^ ]+ is (FAILED|ERROR|KILLED)" "$log"; then status=1; fi
    rm -f "$log"
    exit "$status"
    ;;
  *) echo "error: target must be yarn, k8s or standalone, got: $target" >&2; exit 2 ;;
esac
