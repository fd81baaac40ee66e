#!/usr/bin/env bash
# Runs spark-distill on this machine with Spark on the classpath (no Spark install needed):
# builds the project when needed, then starts the CLI's main class with the Java 17 flags
# Spark requires. Arguments go to the CLI, e.g.
#   deploy/run-local.sh pipeline --config conf/local.yaml
# Environment: JAVA_OPTS (extra JVM flags, e.g. -Xmx8g), SKIP_BUILD=1 (use the last build).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cp_file=spark-jobs/target/local-classpath.txt
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$cp_file" ]]; then
  mvn -q -B -DskipTests process-classes >&2
fi

opens="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED \
--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"

# Local mode runs tasks in this JVM: size the heap here (spark.driver.memory cannot grow a running JVM).
exec java $opens -Xmx${DRIVER_MEMORY:-4g} \
  -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
  -Dlog4j.configurationFile="$root/conf/log4j2.properties" \
  ${JAVA_OPTS:-} \
  -cp "spark-jobs/target/classes:$(cat "$cp_file")" \
  org.sparkdistill.cli.SparkDistill "$@"
