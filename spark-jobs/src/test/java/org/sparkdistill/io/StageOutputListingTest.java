package org.sparkdistill.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest lists data files only, never a committer's leftovers. */
class StageOutputListingTest {
  @TempDir Path tmp;

  private void touch(String relative) throws Exception {
    Path p = tmp.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[] {1});
  }

  @Test
  void leftoverAttemptFilesUnderTemporaryAreNotListed() throws Exception {
    touch("run-1/part-00000-a.snappy.parquet");
    touch("run-1/split=train/part-00001-b.snappy.parquet");
    touch("run-1/_temporary/0/_temporary/attempt_202611220000_0001_m_000002_7/part-00002-c.snappy.parquet");
    touch("run-1/_temporary/0/task_202611220000_0001_m_000003/part-00003-d.snappy.parquet");
    touch("run-1/__magic/job-1/part-00004-e.snappy.parquet");
    touch("run-1/.part-00000-a.snappy.parquet.crc");
    touch("run-1/_SUCCESS");
    StageOutput output = new StageOutput(tmp.toUri().toString(), new Configuration());
    assertThat(output.listDataFiles(new org.apache.hadoop.fs.Path(tmp.resolve("run-1").toUri())))
        .containsExactly("run-1/part-00000-a.snappy.parquet", "run-1/split=train/part-00001-b.snappy.parquet");
  }
}
