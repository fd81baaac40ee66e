package org.sparkdistill.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The one declaration of a configuration setting, on its public field in {@link DistillConfig}:
 * the field's name path is the YAML key, the {@code --set} key and the manifest key ({@code
 * encoder.maxLength}); the field initializer (or the constructor of its settings class) is the
 * default; this annotation carries the documentation printed by {@code spark-distill config} and
 * the single-field rules that {@link Settings#validate} checks. Enum fields need no rule: their
 * type lists the valid values. Rules that relate several fields stay in {@link ConfigLoader}.
 *
 * <p>Numeric bounds apply to numbers and to every element of a list of numbers; a {@code double}
 * must also be finite. A {@code Long}/{@code Integer} field may be null (meaning "not set") when
 * {@link #nullable} is true.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Setting {
  /** What the setting does, its unit and cost; one or two sentences. */
  String doc();

  /** Smallest allowed value (numbers). */
  double min() default Double.NEGATIVE_INFINITY;

  /** Largest allowed value (numbers). */
  double max() default Double.POSITIVE_INFINITY;

  /** {@link #min} itself is not allowed ({@code > min}). */
  boolean minExclusive() default false;

  /** {@link #max} itself is not allowed ({@code < max}). */
  boolean maxExclusive() default false;

  /** A string that must not be empty or whitespace. */
  boolean nonBlank() default false;

  /** Null is a valid value (a boxed number meaning "not set"). */
  boolean nullable() default false;
}
