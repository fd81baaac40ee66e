/**
 * Evaluation figures, plain Java with no Spark: {@link org.sparkdistill.evaluate.ClassificationMetrics}
 * (accuracy, macro-F1, expected calibration error, confusion matrix) accumulated row by row, {@link
 * org.sparkdistill.evaluate.Agreement} between two predictors, {@link
 * org.sparkdistill.evaluate.MeanStd} over repeated runs, and {@link
 * org.sparkdistill.udfs.onnx.OnnxParameterCounter} for model size.
 */
package org.sparkdistill.evaluate;
