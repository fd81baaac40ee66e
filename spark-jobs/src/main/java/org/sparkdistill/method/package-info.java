/**
 * The method seam. A distillation method ({@link org.sparkdistill.method.DistillationMethod})
 * declares its teacher caches, an optional fit step, its transform to targets, the student's
 * outputs, loss and readout; the shared {@code targets} and {@code train-student} stages run it.
 * Each method lives in its own package ({@code kd}; LELP, MUKA and PMD to come) and registers a
 * factory as a Java service. {@link org.sparkdistill.method.StudentObjective} turns {@code
 * student.mode} (the method's KD student or the labels-only baseline) into rows, loss and readout.
 */
package org.sparkdistill.method;
