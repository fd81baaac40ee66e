"""Imports an Airflow DAG file against a stub `airflow` package and prints its tasks as JSON.

The stub records what the DAG passes to DAG(...) and SparkSubmitOperator(...) and the >>
dependencies; nothing of Airflow itself runs. Usage: python3 dump_dag.py STUB_ROOT DAG_FILE
"""
import importlib.util
import json
import sys

stub_root, dag_file = sys.argv[1], sys.argv[2]
with open(dag_file, encoding="utf-8") as f:
    compile(f.read(), dag_file, "exec")  # a SyntaxError fails here, naming the line
sys.path.insert(0, stub_root)
import airflow  # noqa: E402  (the stub)

spec = importlib.util.spec_from_file_location("dag_under_test", dag_file)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
dags = airflow.DAG.created
if len(dags) != 1:
    raise SystemExit(f"expected one DAG in {dag_file}, got {len(dags)}")
dag = dags[0]
print(json.dumps({
    "dag_id": dag.dag_id,
    "tasks": [{"task_id": t.task_id, "kwargs": t.kwargs, "downstream": t.downstream} for t in dag.tasks],
}, default=str))
