"""Daily teacher-cache refresh with spark-distill, one Airflow task per stage.

Each stage reads its inputs' manifests and publishes its own atomically, so a failed task can be
cleared and rerun: finished stages are skipped, and outputs are pinned to the run's date
(`workDir=.../ds={{ ds }}`), so a backfill only ever writes its own partition.
"""
from datetime import datetime

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JOB_JAR = "hdfs:///apps/spark-distill/spark-distill-jobs-0.1.0-job.jar"
CONFIG = "/etc/spark-distill/yarn.yaml"
WORK_DIR = "hdfs:///distill/debian/ds={{ ds }}"

COMMON_CONF = {
    "spark.executor.extraJavaOptions": "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 "
    "-Dai.djl.pytorch.num_interop_threads=1",
    "spark.driver.extraJavaOptions": "-Dai.djl.offline=true",
    "spark.executor.memoryOverhead": "1g",
}


def stage(name: str, extra_conf: dict | None = None) -> SparkSubmitOperator:
    return SparkSubmitOperator(
        task_id=name.replace("-", "_"),
        conn_id="spark_yarn",
        application=JOB_JAR,
        java_class="org.sparkdistill.cli.SparkDistill",
        application_args=[name, "--config", CONFIG, "--set", f"workDir={WORK_DIR}"],
        conf={**COMMON_CONF, **(extra_conf or {})},
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
        "spark.task.resource.gpu.amount": "1",
        "spark.executor.resource.gpu.discoveryScript": "/opt/spark/scripts/getGpusResources.sh",
    }
    prepare = stage("prepare")
    encode = stage("encode", gpu)
    train_teacher = stage("train-teacher")
    score = stage("score")
    prepare >> encode >> train_teacher >> score
