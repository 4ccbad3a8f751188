package dev.codebasechat.gateway;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The route table: a request path to a route template (the label metrics and access logs use, never
 * the raw path) and its path parameter. Paths are matched segment by segment, exactly; a session id
 * is whatever one segment holds and is validated by the route, so {@code ..}, encoded slashes or
 * overlong ids never reach the store.
 */
enum Routes {
  HEALTH("/healthz", Set.of("GET"), true),
  READY("/readyz", Set.of("GET"), true),
  METRICS("/metrics", Set.of("GET"), true),
  OPENAPI("/openapi.json", Set.of("GET"), true),
  COMPAT_CHAT("/api/codebase/chat", Set.of("GET", "POST", "DELETE"), false),
  SESSIONS("/v1/sessions", Set.of("GET", "POST"), false),
  SESSION("/v1/sessions/{id}", Set.of("GET", "PATCH", "DELETE"), false),
  SESSION_MESSAGES("/v1/sessions/{id}/messages", Set.of("POST", "DELETE"), false);

  /** The label for requests that match no route. */
  static final String UNMATCHED = "unmatched";

  private final String template;
  private final Set<String> methods;
  private final boolean isPublic;
  private final List<String> segments;

  Routes(String template, Set<String> methods, boolean isPublic) {
    this.template = template;
    this.methods = methods;
    this.isPublic = isPublic;
    this.segments = List.of(template.substring(1).split("/", -1));
  }

  String template() {
    return template;
  }

  boolean allows(String method) {
    return methods.contains(method);
  }

  /** The {@code Allow} header value, in a stable order. */
  String allowHeader() {
    return String.join(", ", new java.util.TreeSet<>(methods));
  }

  /** Health, readiness, metrics and the API document need no token. */
  boolean isPublic() {
    return isPublic;
  }

  /**
   * The method a request is served as: {@code HEAD} as {@code GET}, whose answer the server then
   * sends without its body (HTTP requires HEAD wherever GET is; monitors probe with it). Not
   * advertised in {@code Allow} nor in the API document: it is HTTP's, not this API's.
   */
  static String servedAs(String method) {
    return method.equals("HEAD") ? "GET" : method;
  }

  /** A matched route and its {@code {id}} segment, if the template has one. */
  record Match(Routes route, Optional<String> id) {}

  static Optional<Match> match(String path) {
    if (!path.startsWith("/")) {
      return Optional.empty();
    }
    String[] parts = path.substring(1).split("/", -1);
    for (Routes route : values()) {
      if (route.segments.size() != parts.length) {
        continue;
      }
      Optional<String> id = Optional.empty();
      boolean matches = true;
      for (int i = 0; i < parts.length && matches; i++) {
        String expected = route.segments.get(i);
        if (expected.equals("{id}")) {
          id = Optional.of(parts[i]);
          matches = !parts[i].isEmpty();
        } else {
          matches = expected.equals(parts[i]);
        }
      }
      if (matches) {
        return Optional.of(new Match(route, id));
      }
    }
    return Optional.empty();
  }
}
