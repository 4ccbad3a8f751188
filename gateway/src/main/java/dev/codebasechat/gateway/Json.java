package dev.codebasechat.gateway;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The gateway's JSON: one mapper whose parser refuses what a request must never make us do —
 * nesting deeper than {@link #MAX_NESTING_DEPTH}, strings longer than the body limit, duplicate
 * keys, trailing garbage — so each of those is a 400, never a stack overflow or a 500.
 */
final class Json {
  /**
   * Deepest nesting a request body may have; message attachments rarely need more than a few
   * levels.
   */
  static final int MAX_NESTING_DEPTH = 64;

  /**
   * Longest number a request body may have, in characters: reading a number costs time that grows
   * faster than its length, and no chat attachment needs more digits than a double or a 64-bit id.
   */
  static final int MAX_NUMBER_LENGTH = 100;

  static final ObjectMapper MAPPER = mapper();

  private Json() {}

  private static ObjectMapper mapper() {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(64 * 1024 * 1024)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    ObjectMapper mapper = new ObjectMapper(factory);
    mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    mapper.disable(JsonParser.Feature.ALLOW_COMMENTS);
    return mapper;
  }

  /**
   * The body as a JSON object.
   *
   * @throws ApiError 400 {@code invalid_json} for anything that is not one well-formed object
   */
  static ObjectNode parseObject(byte[] body) {
    if (body.length == 0) {
      throw ApiError.invalidJson("the request body is empty; a JSON object is required");
    }
    // Jackson would detect UTF-16 and UTF-32 and read them; the API takes UTF-8 alone, where a JSON
    // text never holds a NUL byte and those encodings of it always do.
    for (byte b : body) {
      if (b == 0) {
        throw ApiError.invalidJson(
            "the request body is not UTF-8: it holds a NUL byte (UTF-16 or UTF-32, say)");
      }
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (StreamConstraintsException e) {
      throw ApiError.invalidJson("the request body is not acceptable JSON: " + exceeded(e));
    } catch (JacksonException e) {
      throw ApiError.invalidJson("the request body is not valid JSON: " + describe(e));
    } catch (IOException e) {
      throw ApiError.invalidJson("the request body is not valid JSON (bad character encoding)");
    }
    if (node == null || !node.isObject()) {
      throw ApiError.invalidJson("the request body must be a JSON object");
    }
    return (ObjectNode) node;
  }

  /** Which of the body's limits {@code e} reports, in words, with where it was passed. */
  private static String exceeded(StreamConstraintsException e) {
    String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    String what;
    if (original.startsWith("Number value length")) {
      what = "a number has more than " + MAX_NUMBER_LENGTH + " characters";
    } else if (original.startsWith("Document nesting depth")) {
      what = "objects and arrays are nested more than " + MAX_NESTING_DEPTH + " deep";
    } else {
      what = "a value is too long";
    }
    com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
    return at != null && at.getLineNr() > 0
        ? what + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"
        : what;
  }

  /**
   * What is wrong and where, in words: Jackson's own text names its internals and repeats the
   * input.
   */
  static String describe(JacksonException e) {
    String what;
    String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (e instanceof com.fasterxml.jackson.core.io.JsonEOFException) {
      what = "it ends before every object and array is closed";
    } else if (original.startsWith("Non-standard token")) {
      // Jackson names the setting that would read them; a caller cannot turn it on.
      what = "NaN and Infinity are not JSON numbers";
    } else if (original.contains("numbers to have plus signs")) {
      what = "a number starts with +, which JSON does not allow";
    } else if (original.contains("ALLOW_COMMENTS")) {
      what = "JSON has no comments";
    } else if (original.startsWith("Duplicate field")) {
      what =
          "a key appears twice in one object ("
              + firstLine(original.substring("Duplicate field".length()).strip())
              + ")";
    } else if (original.startsWith("Trailing token")) {
      what = "something follows the end of the JSON value";
    } else if (original.startsWith("Unexpected character")) {
      what =
          "unexpected character "
              + firstLine(original.substring("Unexpected character".length()).strip());
    } else if (original.startsWith("Unrecognized token")) {
      what = "unknown word " + firstLine(original.substring("Unrecognized token".length()).strip());
    } else if (original.startsWith("Unexpected end-of-input")) {
      what = "it ends before every object and array is closed";
    } else {
      what = firstLine(original);
    }
    // Jackson's messages may mention "[Source: …]"; that part says nothing to a person.
    int source = what.indexOf("[Source");
    if (source >= 0) {
      what = what.substring(0, source).replaceAll("[\\s(]+$", "");
    }
    com.fasterxml.jackson.core.JsonLocation at =
        e instanceof com.fasterxml.jackson.core.JsonProcessingException p ? p.getLocation() : null;
    if (at != null && at.getLineNr() > 0) {
      what += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
    return what;
  }

  private static String firstLine(String message) {
    String line = message.lines().findFirst().orElse("");
    // Jackson quotes the offending characters; keep the message short and printable.
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < line.length() && out.length() < 160; i++) {
      char c = line.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return out.toString();
  }
}
