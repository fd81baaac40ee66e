package org.sparkdistill.config;

/** {@code teacher.kind}: what the teacher is. */
public enum TeacherKind {
  /** The frozen encoder with a trained dropout + linear head ({@code train-teacher}). */
  HEAD,
  /** A whole scripted model ({@code teacher.torchscript}), already trained. */
  TORCHSCRIPT,
  /** The encoder's weights (from its ONNX file) and a head, fine-tuned together ({@code teacher.finetune.*}). */
  FINETUNE;

  /** The configuration spelling ({@code head}, {@code torchscript}, {@code finetune}). */
  @Override
  public String toString() {
    return ConfigEnums.name(this);
  }
}
