package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The media types of a request as PostgREST reads them (MediaType.hs {@code decodeMediaType} and
 * {@code toMime}, Plan.hs {@code negotiateContent}): the {@code Accept} list (wai's {@code
 * parseHttpAccept}: blanks dropped, sorted by {@code q}, then by specificity) picks the first type
 * PostgREST can answer in, and the {@code Content-Type} says how to read the body (JSON when
 * absent). Stateless.
 */
final class MediaTypes {
  /** {@code tokenizeMediaType}: type, subtype, then {@code ;key=value} parameters. */
  private static final Pattern TYPE = Pattern.compile("([A-Za-z0-9.*]+)/([A-Za-z0-9.*+-]+)");

  private static final Pattern PARAMETER =
      Pattern.compile("\\s*;\\s*([A-Za-z0-9-]+)\\s*=\\s*(?:\"([^\"]*)\"|([A-Za-z0-9|-]+))");

  /** The part of a {@code q} value Haskell's {@code reads} takes as a Double. */
  private static final Pattern QUALITY = Pattern.compile("^[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

  /** Writes JSON without null object members, at every depth: {@code json_strip_nulls}. */
  private static final ObjectWriter STRIP_NULLS =
      Json.MAPPER.writer().without(JsonNodeFeature.WRITE_NULL_PROPERTIES);

  private MediaTypes() {}

  /** A media type as PostgREST decodes it: lower-case type and subtype, parameters as given. */
  private record Decoded(String raw, String essence, Map<String, String> parameters) {
    static Decoded of(String text) {
      Matcher type = TYPE.matcher(text);
      if (!type.lookingAt()) {
        return new Decoded(text, text.toLowerCase(Locale.ROOT), Map.of());
      }
      Map<String, String> parameters = new HashMap<>();
      Matcher parameter = PARAMETER.matcher(text);
      int at = type.end();
      while (parameter.find(at) && parameter.start() == at) {
        String quoted = parameter.group(2);
        parameters.put(
            parameter.group(1).toLowerCase(Locale.ROOT),
            quoted != null ? quoted : parameter.group(3));
        at = parameter.end();
      }
      String essence = (type.group(1) + "/" + type.group(2)).toLowerCase(Locale.ROOT);
      return new Decoded(text, essence, parameters);
    }

    boolean stripped() {
      return "stripped".equals(parameters.get("nulls"));
    }

    /** PostgREST's {@code toMime}: how it names the type in its messages. */
    String mime() {
      return switch (essence) {
        case "application/json",
            "application/geo+json",
            "text/csv",
            "text/plain",
            "text/xml",
            "application/openapi+json",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
            "*/*" ->
            essence;
        case "application/vnd.pgrst.object+json", "application/vnd.pgrst.object" ->
            "application/vnd.pgrst.object+json" + (stripped() ? ";nulls=stripped" : "");
        case "application/vnd.pgrst.array+json", "application/vnd.pgrst.array" ->
            stripped() ? "application/vnd.pgrst.array+json;nulls=stripped" : "application/json";
        case "application/vnd.pgrst.plan",
            "application/vnd.pgrst.plan+text",
            "application/vnd.pgrst.plan+json" -> {
          String options = parameters.get("options");
          yield "application/vnd.pgrst.plan+"
              + (essence.endsWith("+json") ? "json" : "text")
              + "; for=\""
              + Decoded.of(parameters.getOrDefault("for", "application/json")).mime()
              + "\""
              + (options == null ? "" : "; options=" + options);
        }
        default -> raw;
      };
    }
  }

  /**
   * How the rows are written: a JSON array, one object ({@code singular}: anything but one row is
   * PGRST116), with null members dropped when the type says {@code nulls=stripped}; or a type the
   * kit negotiates but cannot write ({@code unwritten}: CSV, GeoJSON), fine while no body is due.
   */
  record Answer(boolean singular, boolean stripNulls, @Nullable String unwritten) {
    static final Answer ARRAY = new Answer(false, false, null);

    String contentType() {
      String array =
          stripNulls ? "application/vnd.pgrst.array+json;nulls=stripped" : "application/json";
      String object = "application/vnd.pgrst.object+json" + (stripNulls ? ";nulls=stripped" : "");
      return (unwritten != null ? unwritten : singular ? object : array) + "; charset=utf-8";
    }

    /**
     * The rows as the body: {@code one} for a singular answer or a function's single value.
     *
     * @throws PostgrestError PGRST127 for a type the kit does not write
     */
    String write(List<JsonNode> rows, boolean one) {
      if (unwritten != null) {
        throw PostgrestError.notInKit("answers in " + unwritten);
      }
      JsonNode value =
          !one
              ? Json.MAPPER.createArrayNode().addAll(rows)
              : rows.isEmpty() ? Json.MAPPER.nullNode() : rows.get(0);
      return Json.write(stripNulls ? STRIP_NULLS : Json.MAPPER.writer(), value);
    }
  }

  /** How a request body is read, by its {@code Content-Type}. */
  enum Body {
    JSON,
    CSV,
    FORM,
    TEXT,
    XML,
    OCTETS,
    OTHER;

    /** The type of the {@code contentType} header; JSON when there is none. */
    static Body of(@Nullable String contentType) {
      if (contentType == null) {
        return JSON;
      }
      Decoded type = Decoded.of(contentType);
      return switch (type.essence()) {
        case "application/json" -> JSON;
        // An array type without nulls=stripped is plain JSON to PostgREST.
        case "application/vnd.pgrst.array+json", "application/vnd.pgrst.array" ->
            type.stripped() ? OTHER : JSON;
        case "text/csv" -> CSV;
        case "application/x-www-form-urlencoded" -> FORM;
        case "text/plain" -> TEXT;
        case "text/xml" -> XML;
        case "application/octet-stream" -> OCTETS;
        default -> OTHER;
      };
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
    return PostgrestError.invalidBody(
        "Content-Type not acceptable: " + Decoded.of(contentType).mime());
  }

  /**
   * The answer the {@code accept} header asks for (absent: any).
   *
   * @throws PostgrestError 406 PGRST107 when PostgREST has no answer in any type listed
   */
  static Answer negotiate(@Nullable String accept) {
    if (accept == null) {
      return Answer.ARRAY;
    }
    List<Decoded> listed = accepted(accept).stream().map(Decoded::of).toList();
    for (Decoded type : listed) {
      switch (type.essence()) {
        case "application/json", "*/*":
          return Answer.ARRAY;
        case "application/vnd.pgrst.object+json", "application/vnd.pgrst.object":
          return new Answer(true, type.stripped(), null);
        case "application/vnd.pgrst.array+json", "application/vnd.pgrst.array":
          return new Answer(false, type.stripped(), null);
        case "text/csv", "application/geo+json":
          // PostgREST always has these; GeoJSON then needs PostGIS.
          return new Answer(false, false, type.essence());
        default:
          // the plan (db-plan-enabled is off), the rest: no answer
      }
    }
    List<String> named = listed.stream().map(Decoded::mime).toList();
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
    for (String raw : accept.replace(" ", "").split(",", -1)) {
      int at = raw.indexOf(";q=");
      String type = at < 0 ? raw : raw.substring(0, at);
      double q = 1.0;
      if (at >= 0) {
        Matcher quality = QUALITY.matcher(raw.substring(at + 3));
        if (quality.lookingAt()) {
          q = Double.parseDouble(quality.group());
        }
      }
      long semicolons = type.chars().filter(c -> c == ';').count();
      long stars = type.chars().filter(c -> c == '*').count();
      listed.add(new Listed(type, q, (int) (semicolons - stars)));
    }
    listed.sort(
        Comparator.comparingDouble(Listed::q).thenComparingInt(Listed::specificity).reversed());
    return listed.stream().map(Listed::type).toList();
  }
}
