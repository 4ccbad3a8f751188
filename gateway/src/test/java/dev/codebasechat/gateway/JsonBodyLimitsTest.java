package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The limits of a request body's JSON, and how a refusal names the one passed. */
class JsonBodyLimitsTest {

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void numberOfOneHundredCharacters_isRead() {
    String digits = "9".repeat(Json.MAX_NUMBER_LENGTH);

    assertThat(Json.parseObject(utf8("{\"n\":" + digits + "}")).get("n").bigIntegerValue())
        .hasToString(digits);
  }

  @Test
  void longerNumber_isInvalidJson_namingTheLimit() {
    String body = "{\"n\":" + "9".repeat(Json.MAX_NUMBER_LENGTH + 1) + "}";

    assertThatThrownBy(() -> Json.parseObject(utf8(body)))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("invalid_json"))
        .hasMessageStartingWith(
            "the request body is not acceptable JSON: a number has more than 100 characters");
  }

  @Test
  void nestingDeeperThan64_isInvalidJson_namingTheLimit() {
    String body = "{\"a\":" + "[".repeat(64) + "]".repeat(64) + "}";

    assertThatThrownBy(() -> Json.parseObject(utf8(body)))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("invalid_json"))
        .hasMessageStartingWith(
            "the request body is not acceptable JSON: objects and arrays are nested more than 64"
                + " deep");
  }

  @Test
  void nestingOf64_isRead() {
    String body = "{\"a\":" + "[".repeat(63) + "]".repeat(63) + "}";

    assertThat(Json.parseObject(utf8(body)).has("a")).isTrue();
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "{\"code\":NaN}|NaN and Infinity are not JSON numbers (line 1, column 12)",
        "{\"code\":-Infinity}|NaN and Infinity are not JSON numbers (line 1, column 18)",
        "{\"code\":+1}|a number starts with +, which JSON does not allow (line 1, column 10)",
        "/* note */ {}|JSON has no comments (line 1, column 1)"
      })
  void whatJsonDoesNotAllow_isNamedInWords_notByTheParsersSettings(String body, String what) {
    assertThatThrownBy(() -> Json.parseObject(utf8(body)))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("invalid_json"))
        .hasMessage("the request body is not valid JSON: " + what);
  }
}
