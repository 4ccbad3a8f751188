package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The media types of a request as PostgREST reads them (MediaType.hs, {@code negotiateContent}):
 * the {@code Accept} list (wai's {@code parseHttpAccept}: blanks dropped, sorted by {@code q}, then
 * by specificity) picks the first type PostgREST can answer in, and the {@code Content-Type} says
 * how to read the body (JSON when absent). Stateless.
 */
final class MediaTypes {
  private static final String OBJECT = "application/vnd.pgrst.object+json";
  private static final String ARRAY_STRIPPED = "application/vnd.pgrst.array+json;nulls=stripped";

  private MediaTypes() {}

  /**
   * How the rows are written: a JSON array, or one object ({@code singular}: anything but one row
   * is PGRST116), with null members dropped when the type says {@code nulls=stripped}.
   */
  record Answer(boolean singular, boolean stripNulls) {
    static final Answer ARRAY = new Answer(false, false);

    String contentType() {
      String type = singular ? OBJECT : "application/json";
      if (stripNulls) {
        type = singular ? OBJECT + ";nulls=stripped" : ARRAY_STRIPPED;
      }
      return type + "; charset=utf-8";
    }

    /** The rows as the body: {@code one} for a singular answer or a function's single value. */
    String write(List<JsonNode> rows, boolean one) {
      List<JsonNode> written = stripNulls ? rows.stream().map(MediaTypes::stripped).toList() : rows;
      if (one) {
        return Json.write(written.isEmpty() ? Json.MAPPER.nullNode() : written.get(0));
      }
      ArrayNode array = Json.MAPPER.createArrayNode();
      written.forEach(array::add);
      return Json.write(array);
    }
  }

  /** How a request body is read, by its {@code Content-Type}. */
  enum Body {
    JSON("application/json"),
    CSV("text/csv"),
    FORM("application/x-www-form-urlencoded"),
    TEXT("text/plain"),
    XML("text/xml"),
    OCTETS("application/octet-stream"),
    OTHER("");

    final String mime;

    Body(String mime) {
      this.mime = mime;
    }

    /** The type of the {@code contentType} header; JSON when there is none. */
    static Body of(@Nullable String contentType) {
      if (contentType == null) {
        return JSON;
      }
      String essence = essence(contentType);
      for (Body body : values()) {
        if (body.mime.equals(essence)) {
          return body;
        }
      }
      return OTHER;
    }

    /**
     * The single unnamed parameter a function would take such a body as (PostgREST's raw payload),
     * or null when the body is read as named arguments.
     */
    @Nullable String unnamedParameter() {
      return switch (this) {
        case TEXT -> "text";
        case XML -> "xml";
        case OCTETS -> "bytea";
        default -> null;
      };
    }
  }

  /** PGRST102 for a body of a type the request cannot take: PostgREST names it as it reads it. */
  static PostgrestError notAcceptable(String contentType) {
    String essence = essence(contentType);
    String known = knownMime(essence);
    return PostgrestError.invalidBody(
        "Content-Type not acceptable: " + (known != null ? known : contentType.strip()));
  }

  /**
   * The answer the {@code accept} header asks for (absent: any).
   *
   * @throws PostgrestError 406 PGRST107 when PostgREST has no answer in any type listed; PGRST127
   *     for CSV, which PostgREST answers and the kit does not
   */
  static Answer negotiate(@Nullable String accept) {
    if (accept == null) {
      return Answer.ARRAY;
    }
    List<String> listed = accepted(accept);
    for (String type : listed) {
      String essence = essence(type);
      boolean stripped = type.toLowerCase(Locale.ROOT).contains(";nulls=stripped");
      switch (essence) {
        case "application/json", "*/*":
          return Answer.ARRAY;
        case "application/vnd.pgrst.object+json", "application/vnd.pgrst.object":
          return new Answer(true, stripped);
        case "application/vnd.pgrst.array+json", "application/vnd.pgrst.array":
          return new Answer(false, stripped);
        case "text/csv":
          throw PostgrestError.notImplemented(
              "answers in text/csv (not implemented by the test kit)");
        default:
          // geo+json without PostGIS, the plan (db-plan-enabled is off), the rest: no answer
      }
    }
    List<String> named = new ArrayList<>();
    for (String type : listed) {
      String known = knownMime(essence(type));
      named.add(known != null ? known : type);
    }
    throw PostgrestError.of(
        406,
        "PGRST107",
        "None of these media types are available: " + String.join(", ", named),
        null,
        null);
  }

  /** {@code parseHttpAccept}: blanks dropped, {@code q} removed, best first, stable. */
  private static List<String> accepted(String accept) {
    record Listed(String type, double q, int specificity) {}
    List<Listed> listed = new ArrayList<>();
    for (String raw : accept.replace(" ", "").split(",")) {
      int at = raw.indexOf(";q=");
      String type = at < 0 ? raw : raw.substring(0, at);
      double q = 1.0;
      if (at >= 0) {
        String value = raw.substring(at + 3);
        int end = value.indexOf(';');
        try {
          q = Double.parseDouble(end < 0 ? value : value.substring(0, end));
        } catch (NumberFormatException e) {
          q = 1.0;
        }
      }
      int specificity =
          (int)
              (type.chars().filter(c -> c == ';').count()
                  - type.chars().filter(c -> c == '*').count());
      listed.add(new Listed(type, q, specificity));
    }
    listed.sort(
        Comparator.comparingDouble(Listed::q).thenComparingInt(Listed::specificity).reversed());
    return listed.stream().map(Listed::type).toList();
  }

  /** {@code type/subtype} in lower case, without parameters. */
  private static String essence(String type) {
    int semicolon = type.indexOf(';');
    return (semicolon < 0 ? type : type.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
  }

  /** PostgREST's {@code toMime} of a type it knows by name; null for others. */
  private static @Nullable String knownMime(String essence) {
    return switch (essence) {
      case "application/json" -> "application/json";
      case "application/geo+json" -> "application/geo+json";
      case "text/csv", "text/plain", "text/xml" -> essence;
      case "application/openapi+json" -> "application/openapi+json";
      case "application/x-www-form-urlencoded" -> essence;
      case "application/octet-stream" -> essence;
      case "application/vnd.pgrst.plan", "application/vnd.pgrst.plan+text" ->
          "application/vnd.pgrst.plan+text; for=\"application/json\"";
      case "application/vnd.pgrst.plan+json" ->
          "application/vnd.pgrst.plan+json; for=\"application/json\"";
      case "*/*" -> "*/*";
      default -> null;
    };
  }

  /** {@code json_strip_nulls}: object members that are null go, at every depth. */
  private static JsonNode stripped(JsonNode value) {
    if (value instanceof ObjectNode object) {
      ObjectNode copy = Json.MAPPER.createObjectNode();
      object
          .properties()
          .forEach(
              field -> {
                if (!field.getValue().isNull()) {
                  copy.set(field.getKey(), stripped(field.getValue()));
                }
              });
      return copy;
    }
    if (value instanceof ArrayNode array) {
      ArrayNode copy = Json.MAPPER.createArrayNode();
      array.forEach(element -> copy.add(stripped(element)));
      return copy;
    }
    return value;
  }
}
