package dev.codebasechat.testing.internal;

import dev.codebasechat.testing.internal.Backend.Result;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What answering one request needs, once it is routed: the request, who sent it, its settings for
 * the backend, its grammar, preferences and rows, the schema it names; and the parts of an answer
 * every resource shapes alike ({@code Content-Range}, media headers, {@code Preference-Applied},
 * what SQL set in {@code response.status} and {@code response.headers}). Immutable.
 */
record Exchange(
    PostgrestFront.Request request,
    Identity who,
    Backend.Context context,
    ApiRequest query,
    Preferences prefer,
    RowRange rows,
    String schema) {

  /** The upper-case method. */
  String method() {
    return context.method();
  }

  /**
   * The answer the {@code Accept} header asks for. PostgREST negotiates once it has found the
   * resource, so a missing one is its 404 first.
   */
  MediaTypes.Answer answer() {
    return MediaTypes.negotiate(request.header("accept"));
  }

  /** PostgREST's {@code contentRangeH}. */
  static String contentRange(long lower, long upper, @Nullable Long total) {
    boolean totalNotZero = total == null || total != 0;
    String range = totalNotZero && lower <= upper ? lower + "-" + upper : "*";
    return range + "/" + (total == null ? "*" : total.toString());
  }

  /**
   * {@code Content-Type}, and {@code Content-Profile}: with more than one schema exposed, PostgREST
   * names the one it answered from.
   */
  void putMedia(Map<String, String> headers, MediaTypes.Answer answer) {
    headers.put("Content-Type", answer.contentType());
    headers.put("Content-Profile", schema);
  }

  /**
   * {@code Preference-Applied} for the kinds of preference this answer echoes, if any was given.
   */
  void putApplied(Map<String, String> headers, List<String> kinds) {
    String applied = prefer.applied(kinds);
    if (applied != null) {
      headers.put("Preference-Applied", applied);
    }
  }

  /** Applies what SQL set in {@code response.status} and {@code response.headers}. */
  static Reply respond(
      Result result, int status, Map<String, String> headers, @Nullable String body) {
    int answered = status;
    if (result.gucStatus() != null) {
      try {
        answered = Integer.parseInt(result.gucStatus().strip());
      } catch (NumberFormatException e) {
        throw PostgrestError.of(
            500, "PGRST112", "response.status guc must be a valid status code", null, null);
      }
    }
    if (result.gucHeaders() != null) {
      try {
        for (var entry : Json.MAPPER.readTree(result.gucHeaders())) {
          entry.properties().forEach(f -> headers.putIfAbsent(f.getKey(), f.getValue().asText()));
        }
      } catch (IOException | RuntimeException e) {
        throw PostgrestError.of(
            500,
            "PGRST111",
            "response.headers guc must be a JSON array composed of objects with a single key and a"
                + " string value",
            null,
            null);
      }
    }
    return new Reply(answered, headers, body);
  }
}
