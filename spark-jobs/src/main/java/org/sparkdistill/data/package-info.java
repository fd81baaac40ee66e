/**
 * The logic of the {@code prepare} stage: read a raw source ({@code debian-jsonl}, {@code
 * imdb-json} or {@code parquet}), reject bad input with a message that names the file, the row and
 * the value, deduplicate by text, optionally sample, and assign seeded, group-aware splits. Entry
 * point: {@link org.sparkdistill.data.ExamplePreparer}.
 */
package org.sparkdistill.data;
