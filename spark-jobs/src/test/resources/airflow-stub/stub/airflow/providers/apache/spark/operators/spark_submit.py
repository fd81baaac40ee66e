"""Stub SparkSubmitOperator: keeps its keyword arguments and downstream tasks."""
import airflow

_ACCEPTED = {
    "application", "conf", "conn_id", "files", "py_files", "archives", "driver_class_path", "jars",
    "java_class", "packages", "exclude_packages", "repositories", "total_executor_cores",
    "executor_cores", "executor_memory", "driver_memory", "keytab", "principal", "proxy_user",
    "name", "num_executors", "status_poll_interval", "application_args", "env_vars", "verbose",
    "spark_binary", "properties_file", "queue", "deploy_mode", "yarn_queue",
}


class SparkSubmitOperator:
    def __init__(self, *, task_id, **kwargs):
        unknown = set(kwargs) - _ACCEPTED
        if unknown:
            raise TypeError(f"SparkSubmitOperator got unexpected arguments {sorted(unknown)}")
        if airflow.DAG.current is None:
            raise RuntimeError(f"task {task_id} created outside a DAG context")
        self.task_id = task_id
        self.kwargs = kwargs
        self.downstream = []
        airflow.DAG.current.tasks.append(self)

    def __rshift__(self, other):
        self.downstream.append(other.task_id)
        return other
