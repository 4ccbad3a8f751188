package dev.codebasechat.postgrest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.OptionalLong;
import okhttp3.Headers;
import org.jspecify.annotations.Nullable;

/**
 * A successful (2xx) answer: status, parsed JSON body and the total row count when one was asked
 * for. Immutable.
 */
public final class PostgrestResult {
  private final int status;
  private final JsonNode body;
  private final @Nullable Long totalCount;
  private final Headers headers;
  private final ObjectMapper mapper;

  PostgrestResult(
      int status, JsonNode body, @Nullable Long totalCount, Headers headers, ObjectMapper mapper) {
    this.status = status;
    this.body = body;
    this.totalCount = totalCount;
    this.headers = headers;
    this.mapper = mapper;
  }

  /** The HTTP status (200, 201, 204, 206). */
  public int status() {
    return status;
  }

  /**
   * The parsed body: an array for table reads and representations, an object for single-row
   * answers, any JSON value for functions, and a {@link MissingNode} when there was no body ({@code
   * return=minimal}, 204).
   */
  public JsonNode body() {
    return body;
  }

  /** True when the answer had no body. */
  public boolean isEmpty() {
    return body.isMissingNode();
  }

  /**
   * The body mapped to {@code type} with the client's {@link ObjectMapper}.
   *
   * @throws UncheckedIOException if the body does not map to {@code type}
   */
  public <T> T bodyAs(Class<T> type) {
    return Json.convert(mapper, body, type);
  }

  /**
   * The body mapped to a generic type, e.g. {@code new TypeReference<List<Row>>() {}}.
   *
   * @throws UncheckedIOException if the body does not map to {@code type}
   */
  public <T> T bodyAs(TypeReference<T> type) {
    try {
      return mapper.readValue(mapper.treeAsTokens(body), type);
    } catch (IOException e) {
      throw new UncheckedIOException("PostgREST body does not map to " + type.getType(), e);
    }
  }

  /**
   * The total after {@code /} in {@code Content-Range} ({@code 0-9/25} gives 25); empty unless a
   * {@link Count} was requested (the total is then {@code *}).
   */
  public OptionalLong totalCount() {
    return totalCount == null ? OptionalLong.empty() : OptionalLong.of(totalCount);
  }

  /**
   * A response header, e.g. {@code Content-Range}, {@code Preference-Applied}, {@code Location}.
   */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }

  @Override
  public String toString() {
    return "PostgrestResult[status=" + status + ", totalCount=" + totalCount + "]";
  }
}
