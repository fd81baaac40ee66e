/**
 * Training the teacher's classification head on frozen features with DJL (PyTorch engine, CPU):
 * {@link org.sparkdistill.teacher.HeadTrainer} returns the best epoch's weights as plain Java
 * arrays in a {@link org.sparkdistill.teacher.TrainedHead}.
 */
package org.sparkdistill.teacher;
