#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs this
# container can see as Spark's ResourceInformation JSON, e.g. {"name":"gpu","addresses":["0","1"]}.
# Needs nvidia-smi (the NVIDIA container runtime mounts it). No GPU visible is an error, so an
# executor asked for GPUs never starts without them.
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "getGpusResources.sh: nvidia-smi not found; is the NVIDIA container runtime enabled for this pod?" >&2
  exit 1
fi
mapfile -t indices < <(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ')
if [[ ${#indices[@]} -eq 0 ]]; then
  echo "getGpusResources.sh: nvidia-smi lists no GPU" >&2
  exit 1
fi
addresses=$(printf '"%s",' "${indices[@]}")
printf '{"name":"gpu","addresses":[%s]}\n' "${addresses%,}"
