"""Daily teacher-cache refresh with spark-distill, one Airflow task per stage.

Each stage reads its inputs' manifests and publishes its own atomically, so a failed task can be
cleared and rerun: finished stages are skipped, and outputs are pinned to the run's date
(`workDir=.../ds={{ ds }}`), so a backfill only ever writes its own partition.
"""
from datetime import datetime

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JOB_JAR = "hdfs:///apps/spark-distill/spark-distill-jobs-0.1.0-SNAPSHOT-job.jar"
# The config travels with the job: read by the cluster-mode driver through Hadoop (the file on
# the Airflow worker would not exist on the node that runs the driver).
CONFIG = "hdfs:///apps/spark-distill/conf/yarn.yaml"
WORK_DIR = "hdfs:///distill/debian/ds={{ ds }}"
# One GPU per executor, shared by TASKS_PER_GPU encode tasks: executor cores match it.
TASKS_PER_GPU = 4

COMMON_CONF = {
    "spark.submit.deployMode": "cluster",
    "spark.yarn.maxAppAttempts": "1",
    "spark.executor.extraJavaOptions": "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 "
    "-Dai.djl.pytorch.num_interop_threads=1",
    "spark.driver.extraJavaOptions": "-Dai.djl.offline=true",
    "spark.executor.memoryOverhead": "2g",
}


def stage(name: str, extra_conf: dict | None = None, extra_args: list | None = None,
          executor_cores: int = 4) -> SparkSubmitOperator:
    return SparkSubmitOperator(
        task_id=name.replace("-", "_"),
        conn_id="spark_yarn",
        application=JOB_JAR,
        java_class="org.sparkdistill.cli.SparkDistill",
        application_args=[name, "--config", CONFIG, "--set", f"workDir={WORK_DIR}", *(extra_args or [])],
        conf={**COMMON_CONF, **(extra_conf or {})},
        executor_cores=executor_cores,
        executor_memory="8g",
        name=f"spark-distill-{name}-{{{{ ds }}}}",
    )


with DAG(
    dag_id="spark_distill_teacher_cache",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    tags=["distillation"],
) as dag:
    gpu = {
        "spark.executor.resource.gpu.amount": "1",
        "spark.executor.resource.gpu.discoveryScript": "/opt/spark-distill/bin/getGpusResources.sh",
    }
    gpu_args = ["--set", f"resources.teacherTaskGpus={1 / TASKS_PER_GPU}", "--set", "resources.teacherTaskCpus=1"]
    prepare = stage("prepare")
    encode = stage("encode", gpu, gpu_args, executor_cores=TASKS_PER_GPU)
    train_teacher = stage("train-teacher")
    score = stage("score")
    prepare >> encode >> train_teacher >> score
