package org.sparkdistill.udfs.student;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads the hashed n-gram embedding bag ({@link StudentConfig}) from its JSON form. */
public final class NgramBagFactory implements StudentArchitecture.Factory {
  /** Strict: every field must be present (no silent 0 for a missing hashSeed). */
  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  @Override
  public String kind() {
    return StudentConfig.KIND;
  }

  @Override
  public StudentArchitecture fromSettings(JsonNode s, java.util.List<String> outputs) {
    return new StudentConfig(
        outputs,
        required(s, "buckets").asInt(),
        required(s, "embeddingDim").asInt(),
        required(s, "hiddenDim").asInt(),
        required(s, "dropout").asDouble(),
        required(s, "maxNgram").asInt(),
        required(s, "maxTokens").asInt(),
        required(s, "hashSeed").asLong());
  }

  private static JsonNode required(JsonNode settings, String field) {
    JsonNode value = settings.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("student." + field + " must be set for the " + StudentConfig.KIND + " student");
    }
    return value;
  }

  @Override
  public StudentArchitecture fromJson(JsonNode config) {
    try {
      return JSON.treeToValue(config, StudentConfig.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }
}
