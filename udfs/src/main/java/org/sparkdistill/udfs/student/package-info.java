/**
 * The distilled student: a cheap text classifier with its own tokenisation, independent of the
 * teacher's encoder. Text is split into lowercase letter/digit words, word unigrams and bigrams
 * are hashed into a fixed number of buckets ({@link org.sparkdistill.udfs.student.NgramHasher}),
 * their embeddings are averaged and fed to an optional small MLP and a linear output layer
 * ({@link org.sparkdistill.udfs.student.StudentBlock}). {@link
 * org.sparkdistill.udfs.student.StudentModel} saves and loads it as a self-contained directory
 * and scores texts; training pieces live in {@code org.sparkdistill.udfs.train}.
 */
package org.sparkdistill.udfs.student;
