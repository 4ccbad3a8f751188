package dev.codebasechat.gateway;

import dev.codebasechat.session.ContextUpdate;
import io.undertow.server.HttpServerExchange;
import java.util.Deque;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The query parameters of the session routes as docs/http-api.md states them: an empty value counts
 * as absent, a parameter given twice and a value out of range are 400 {@code invalid_parameter}
 * naming the parameter, one a route needs and lacks is 400 {@code missing_field}. Parameters a
 * route does not take are ignored. Stateless.
 */
final class QueryParameters {

  /** A whole number as a query gives it: an optional minus sign, then digits. */
  private static final Pattern WHOLE_NUMBER = Pattern.compile("-?[0-9]+");

  private QueryParameters() {}

  /**
   * The value of {@code name}.
   *
   * @throws ApiError 400 {@code missing_field} when absent or empty
   */
  static String required(HttpServerExchange exchange, String name) {
    return optional(exchange, name).orElseThrow(() -> ApiError.missingField(name));
  }

  /**
   * The value of {@code name}, empty when absent or empty.
   *
   * @throws ApiError 400 {@code invalid_parameter} when it is given more than once
   */
  static Optional<String> optional(HttpServerExchange exchange, String name) {
    Deque<String> values = exchange.getQueryParameters().get(name);
    if (values == null || values.isEmpty()) {
      return Optional.empty();
    }
    if (values.size() > 1) {
      throw ApiError.badRequest(
          "invalid_parameter", "query parameter " + name + " was given more than once");
    }
    String value = values.getFirst();
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  /**
   * The whole number {@code name} from {@code min} to {@code max}, or {@code defaultValue} when
   * absent; leading zeros say nothing.
   *
   * @throws ApiError 400 {@code invalid_parameter} when it is not a whole number or out of range
   */
  static int wholeNumber(
      HttpServerExchange exchange, String name, int defaultValue, int min, int max) {
    Optional<String> text = optional(exchange, name);
    if (text.isEmpty()) {
      return defaultValue;
    }
    String value = text.get();
    if (!WHOLE_NUMBER.matcher(value).matches()) {
      throw ApiError.badRequest(
          "invalid_parameter", name + " must be a whole number from " + min + " to " + max);
    }
    String digits = value.replaceFirst("^(-?)0+(?=[0-9])", "$1");
    if (digits.length() > 12) {
      // Out of any range here, and too long to read as a long.
      throw ApiError.badRequest(
          "invalid_parameter",
          name
              + " must be from "
              + min
              + " to "
              + max
              + " but was "
              + (digits.startsWith("-") ? "a negative number" : "a number")
              + " of "
              + digits.replace("-", "").length()
              + " digits");
    }
    long parsed = Long.parseLong(digits);
    if (parsed < min || parsed > max) {
      throw ApiError.badRequest(
          "invalid_parameter", name + " must be from " + min + " to " + max + " but was " + parsed);
    }
    return (int) parsed;
  }

  /**
   * The list filter {@code repo}, checked as a session's repository is.
   *
   * @throws ApiError 400 {@code invalid_parameter} when it is not one (a query parameter, not a
   *     body field: the code a client branches on says which)
   */
  static Optional<String> repo(HttpServerExchange exchange) {
    Optional<String> repo = optional(exchange, "repo");
    try {
      new ContextUpdate(repo, Optional.empty(), Optional.empty(), Optional.empty());
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_parameter", "query parameter " + ApiError.messageOf(e));
    }
    return repo;
  }
}
