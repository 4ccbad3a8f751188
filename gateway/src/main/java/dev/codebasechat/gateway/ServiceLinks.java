package dev.codebasechat.gateway;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The variables Kubernetes sets in every container for each Service of its namespace (unless the
 * pod says {@code enableServiceLinks: false}): a Service named {@code gateway} or {@code
 * supabase-kong} brings {@code GATEWAY_SERVICE_HOST}, {@code GATEWAY_PORT=tcp://10.96.0.13:80},
 * {@code SUPABASE_KONG_PORT_8000_TCP_ADDR} and the like. They are not settings of this gateway:
 * they are known by name <em>and</em> value, so that a mistyped setting ({@code GATEWAY_PORT=8081})
 * is still refused. Stateless.
 */
final class ServiceLinks {
  private static final String ADDRESS = "[0-9.]+|\\[?[0-9A-Fa-f:]+\\]?";
  private static final String URL = "(tcp|udp|sctp)://(" + ADDRESS + "):[0-9]{1,5}";

  /** One kind of service-link variable: the shape of its name and of its value. */
  private record Shape(Pattern name, Pattern value) {
    static Shape of(String name, String value) {
      return new Shape(Pattern.compile(name), Pattern.compile(value));
    }

    boolean matches(String name, String value) {
      return this.name.matcher(name).matches() && this.value.matcher(value).matches();
    }
  }

  private static final List<Shape> SHAPES =
      List.of(
          Shape.of("[A-Z0-9_]+_SERVICE_HOST", ADDRESS),
          Shape.of("[A-Z0-9_]+_SERVICE_PORT(_[A-Z0-9_]+)?", "[0-9]{1,5}"),
          Shape.of("[A-Z0-9_]+_PORT", URL),
          Shape.of("[A-Z0-9_]+_PORT_[0-9]{1,5}_(TCP|UDP|SCTP)", URL),
          Shape.of("[A-Z0-9_]+_PORT_[0-9]{1,5}_(TCP|UDP|SCTP)_PROTO", "tcp|udp|sctp"),
          Shape.of("[A-Z0-9_]+_PORT_[0-9]{1,5}_(TCP|UDP|SCTP)_PORT", "[0-9]{1,5}"),
          Shape.of("[A-Z0-9_]+_PORT_[0-9]{1,5}_(TCP|UDP|SCTP)_ADDR", ADDRESS));

  private ServiceLinks() {}

  /** Whether {@code name=value} is a variable Kubernetes sets for a Service. */
  static boolean isServiceLink(String name, String value) {
    return SHAPES.stream().anyMatch(shape -> shape.matches(name, value));
  }
}
