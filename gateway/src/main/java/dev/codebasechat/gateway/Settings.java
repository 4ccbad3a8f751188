package dev.codebasechat.gateway;

import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.ServiceKey;
import dev.codebasechat.session.Acknowledgement;
import dev.codebasechat.sqlite.CommitGrouping;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The gateway's configuration, read from environment variables. Immutable.
 *
 * <p>Without {@code SUPABASE_URL} the gateway runs on its embedded default (sessions in a local
 * SQLite file under {@code DATA_DIR}). Every problem is reported at once, all together, in a {@link
 * InvalidSettingsException} whose message names each setting and the rule it breaks — never the
 * value of a secret. Variables starting with {@code SUPABASE_} or {@code GATEWAY_} that this
 * version does not know are errors too (a typo must not silently fall back to a default).
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>SUPABASE_URL</td><td>(none: embedded)</td><td>https://&lt;ref&gt;.supabase.co</td></tr>
 *   <tr><td>SUPABASE_ANON_KEY or SUPABASE_PUBLISHABLE_KEY</td><td>required with SUPABASE_URL</td><td>the project key sent as {@code apikey}</td></tr>
 *   <tr><td>SUPABASE_JWT_SECRET</td><td>(none)</td><td>legacy HS256 secret; embedded: generated into DATA_DIR when absent</td></tr>
 *   <tr><td>SUPABASE_SERVICE_ROLE_KEY or SUPABASE_SECRET_KEY</td><td>(none)</td><td>operator commands, and serve's delivery of journaled writes whose owners have no token here (drain rules); never used by HTTP routes</td></tr>
 *   <tr><td>PORT</td><td>8080</td><td>1..65535</td></tr>
 *   <tr><td>DATA_DIR</td><td>./data</td><td>journal, local sessions, dev secret</td></tr>
 *   <tr><td>GATEWAY_DEBOUNCE_MS</td><td>500</td><td>write coalescing window</td></tr>
 *   <tr><td>GATEWAY_CACHE_MAX_MB</td><td>256</td><td>cache bound</td></tr>
 *   <tr><td>GATEWAY_BREAKER_OPEN_SECONDS</td><td>5</td><td>how long the breaker stays open</td></tr>
 *   <tr><td>GATEWAY_MAX_BODY_KB</td><td>1024</td><td>largest request body</td></tr>
 *   <tr><td>GATEWAY_REQUEST_THREADS</td><td>16</td><td>bounded request threads</td></tr>
 *   <tr><td>GATEWAY_DATABASE_TIMEOUT_MS</td><td>2000</td><td>longest a request waits on the database</td></tr>
 *   <tr><td>GATEWAY_ACK</td><td>journal</td><td>when a write is acknowledged in Supabase mode: journal or database</td></tr>
 *   <tr><td>GATEWAY_CACHE_FRESHNESS_MS</td><td>1000</td><td>staleness bound across instances; 0 revalidates every read</td></tr>
 *   <tr><td>GATEWAY_SHUTDOWN_TIMEOUT_SECONDS</td><td>10</td><td>at a stop: for requests in flight, then for the flush</td></tr>
 *   <tr><td>GATEWAY_COMMIT_GROUPING</td><td>grouped</td><td>how writes of DATA_DIR's SQLite files share commits: grouped or one-per-write</td></tr>
 *   <tr><td>SUPABASE_JWT_ISSUER</td><td>(see {@link #tokenIssuer()})</td><td>the {@code iss} tokens must carry</td></tr>
 * </table>
 */
public record Settings(
    Optional<URI> supabaseUrl,
    Optional<Secret> projectKey,
    Optional<Secret> jwtSecret,
    Optional<Secret> serviceKey,
    int port,
    Path dataDir,
    Duration debounce,
    long cacheMaxBytes,
    Duration breakerOpen,
    int maxBodyBytes,
    int requestThreads,
    Duration databaseTimeout,
    Duration cacheFreshness,
    Acknowledgement acknowledgement,
    Optional<String> jwtIssuer,
    Duration shutdownTimeout,
    CommitGrouping commitGrouping) {

  /**
   * The project key user requests are sent with, in Supabase mode.
   *
   * @throws IllegalArgumentException naming the setting (never the value) when it is a secret or
   *     service_role key, or not fit for a header
   */
  public Optional<ApiKey> userApiKey() {
    try {
      return projectKey.map(key -> ApiKey.of(key.value()));
    } catch (IllegalArgumentException notAnApiKey) {
      throw new IllegalArgumentException(
          "SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) must be the project's anon or"
              + " publishable key, not a secret or service_role key");
    }
  }

  /**
   * The service key ({@code SUPABASE_SERVICE_ROLE_KEY} or {@code SUPABASE_SECRET_KEY}) as the
   * operator's scope takes it, when one is set: for the drain's rules, never for a user's request.
   *
   * @throws IllegalArgumentException when it is neither an {@code sb_secret_} key nor a {@code
   *     service_role} JWT; the message names the setting, never the value
   */
  public Optional<ServiceKey> operatorServiceKey() {
    try {
      return serviceKey.map(secret -> ServiceKey.of(secret.value()));
    } catch (IllegalArgumentException notAServiceKey) {
      throw new IllegalArgumentException(
          "SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY) must be an sb_secret_ key or a"
              + " service_role JWT");
    }
  }

  /** A secret value: {@link #toString()} never shows it. */
  public record Secret(String value) {
    @Override
    public String toString() {
      return "Secret[redacted]";
    }
  }

  /** One or more settings are missing or invalid; the message lists each by name. */
  public static final class InvalidSettingsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    InvalidSettingsException(List<String> problems) {
      super("invalid settings: " + String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  private static final Set<String> KNOWN =
      Set.of(
          "SUPABASE_URL",
          "SUPABASE_ANON_KEY",
          "SUPABASE_PUBLISHABLE_KEY",
          "SUPABASE_JWT_SECRET",
          "SUPABASE_SERVICE_ROLE_KEY",
          "SUPABASE_SECRET_KEY",
          "GATEWAY_DEBOUNCE_MS",
          "GATEWAY_CACHE_MAX_MB",
          "GATEWAY_BREAKER_OPEN_SECONDS",
          "GATEWAY_MAX_BODY_KB",
          "GATEWAY_REQUEST_THREADS",
          "GATEWAY_DATABASE_TIMEOUT_MS",
          "GATEWAY_CACHE_FRESHNESS_MS",
          "GATEWAY_ACK",
          "GATEWAY_SHUTDOWN_TIMEOUT_SECONDS",
          "GATEWAY_COMMIT_GROUPING",
          "SUPABASE_JWT_ISSUER");

  /**
   * Variables of Supabase's own tools (the CLI's login, database password and project) that the
   * environment of a gateway deployed beside them often holds: not settings of this gateway, and
   * ignored rather than refused as a mistyped one would be. The gateway never reads them.
   */
  static final Set<String> SUPABASE_TOOL_VARIABLES =
      Set.of(
          "SUPABASE_ACCESS_TOKEN",
          "SUPABASE_DB_PASSWORD",
          "SUPABASE_PROJECT_ID",
          "SUPABASE_PROJECT_REF");

  /**
   * The {@code iss} of access tokens in the embedded default: the {@code token} command writes it
   * and the gateway's verifier requires it there.
   */
  public static final String EMBEDDED_TOKEN_ISSUER = "chat-gateway-embedded";

  /**
   * The {@code iss} of the tokens the {@code token} command mints: {@code SUPABASE_JWT_ISSUER} when
   * set, else Supabase Auth's {@code <SUPABASE_URL>/auth/v1} ({@link
   * dev.codebasechat.auth.SupabaseJwtVerifier#issuerOf}), or {@link #EMBEDDED_TOKEN_ISSUER} in the
   * embedded default.
   */
  public String tokenIssuer() {
    return jwtIssuer.orElseGet(
        () ->
            supabaseUrl
                .map(dev.codebasechat.auth.SupabaseJwtVerifier::issuerOf)
                .orElse(EMBEDDED_TOKEN_ISSUER));
  }

  /**
   * The {@code iss} the gateway requires of access tokens, if any: in the embedded default always
   * {@link #tokenIssuer()}; in Supabase mode {@code SUPABASE_JWT_ISSUER} when set, else none (a
   * custom domain changes Auth's issuer, and the signature already binds a token to the project).
   */
  public Optional<String> requiredIssuer() {
    return embedded() ? Optional.of(tokenIssuer()) : jwtIssuer;
  }

  /** Whether the gateway stores sessions locally (no Supabase configured). */
  public boolean embedded() {
    return supabaseUrl.isEmpty();
  }

  /**
   * Reads the settings from {@code environment} (normally {@code System.getenv()}).
   *
   * @throws InvalidSettingsException listing every problem found
   */
  public static Settings fromEnvironment(Map<String, String> environment) {
    Reader reader = new Reader(environment);
    Optional<URI> url = reader.optional("SUPABASE_URL", Settings::parseUrl);
    Optional<Secret> anon = reader.secret("SUPABASE_ANON_KEY");
    Optional<Secret> publishable = reader.secret("SUPABASE_PUBLISHABLE_KEY");
    if (anon.isPresent() && publishable.isPresent()) {
      reader.problem("set only one of SUPABASE_ANON_KEY and SUPABASE_PUBLISHABLE_KEY");
    }
    Optional<Secret> projectKey = anon.or(() -> publishable);
    // Presence, not validity: an invalid URL is reported once, as invalid.
    boolean urlGiven = !environment.getOrDefault("SUPABASE_URL", "").isEmpty();
    if (urlGiven && projectKey.isEmpty()) {
      reader.problem(
          "SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) is required when SUPABASE_URL is set");
    }
    if (!urlGiven && projectKey.isPresent()) {
      reader.problem("SUPABASE_URL is required when a project key is set");
    }
    Optional<Secret> jwtSecret = reader.secret("SUPABASE_JWT_SECRET");
    jwtSecret
        .filter(
            secret -> secret.value().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32)
        .ifPresent(secret -> reader.problem("SUPABASE_JWT_SECRET must be at least 32 bytes"));
    // An API key or a token pasted here would be taken as the HMAC secret: an anon key, which is
    // public, would let anyone sign tokens this gateway accepts.
    jwtSecret
        .filter(
            secret ->
                secret.value().startsWith("sb_")
                    || secret
                        .value()
                        .matches("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+"))
        .ifPresent(
            secret ->
                reader.problem(
                    "SUPABASE_JWT_SECRET must be the project's JWT secret, not an API key or a"
                        + " token (it has the form of one)"));
    Optional<Secret> serviceRole = reader.secret("SUPABASE_SERVICE_ROLE_KEY");
    Optional<Secret> secretKey = reader.secret("SUPABASE_SECRET_KEY");
    if (serviceRole.isPresent() && secretKey.isPresent()) {
      // Moving to sb_secret_ keys, the old variable left behind would win without a word.
      reader.problem("set only one of SUPABASE_SERVICE_ROLE_KEY and SUPABASE_SECRET_KEY");
    }
    Optional<Secret> service = serviceRole.or(() -> secretKey);
    int port = reader.integer("PORT", 8080, 1, 65_535);
    Path dataDir = reader.optional("DATA_DIR", Settings::parsePath).orElse(Path.of("data"));
    int debounceMs = reader.integer("GATEWAY_DEBOUNCE_MS", 500, 1, 60_000);
    int cacheMb = reader.integer("GATEWAY_CACHE_MAX_MB", 256, 1, 65_536);
    int breakerSeconds = reader.integer("GATEWAY_BREAKER_OPEN_SECONDS", 5, 1, 3_600);
    int maxBodyKb = reader.integer("GATEWAY_MAX_BODY_KB", 1_024, 1, 65_536);
    int threads = reader.integer("GATEWAY_REQUEST_THREADS", 16, 1, 1_024);
    int databaseTimeoutMs = reader.integer("GATEWAY_DATABASE_TIMEOUT_MS", 2_000, 100, 60_000);
    int freshnessMs = reader.integer("GATEWAY_CACHE_FRESHNESS_MS", 1_000, 0, 3_600_000);
    Acknowledgement ack =
        reader
            .optional("GATEWAY_ACK", Settings::parseAcknowledgement)
            .orElse(Acknowledgement.JOURNAL);
    Optional<String> issuer = reader.optional("SUPABASE_JWT_ISSUER", Settings::parseIssuer);
    int shutdownSeconds = reader.integer("GATEWAY_SHUTDOWN_TIMEOUT_SECONDS", 10, 1, 600);
    CommitGrouping grouping =
        reader
            .optional("GATEWAY_COMMIT_GROUPING", Settings::parseCommitGrouping)
            .orElse(CommitGrouping.GROUPED);
    for (String name : new TreeSet<>(environment.keySet())) {
      if ((name.startsWith("SUPABASE_") || name.startsWith("GATEWAY_"))
          && !KNOWN.contains(name)
          && !SUPABASE_TOOL_VARIABLES.contains(name)
          && !ServiceLinks.isServiceLink(name, environment.getOrDefault(name, ""))) {
        reader.problem(name + " is not a setting this gateway knows");
      }
    }
    reader.failIfAny();
    return new Settings(
        url,
        projectKey,
        jwtSecret,
        service,
        port,
        dataDir,
        Duration.ofMillis(debounceMs),
        cacheMb * 1024L * 1024L,
        Duration.ofSeconds(breakerSeconds),
        maxBodyKb * 1024,
        threads,
        Duration.ofMillis(databaseTimeoutMs),
        Duration.ofMillis(freshnessMs),
        ack,
        issuer,
        Duration.ofSeconds(shutdownSeconds),
        grouping);
  }

  private static CommitGrouping parseCommitGrouping(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "grouped" -> CommitGrouping.GROUPED;
      case "one-per-write" -> CommitGrouping.ONE_PER_WRITE;
      default -> throw new IllegalArgumentException("must be grouped or one-per-write");
    };
  }

  private static Acknowledgement parseAcknowledgement(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "journal" -> Acknowledgement.JOURNAL;
      case "database" -> Acknowledgement.DATABASE;
      default -> throw new IllegalArgumentException("must be journal or database");
    };
  }

  private static URI parseUrl(String value) {
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (java.net.URISyntaxException e) {
      // URISyntaxException repeats the input; a mistyped URL may carry credentials.
      throw new IllegalArgumentException("is not a valid URL", e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "must be an absolute http(s) URL such as https://<ref>.supabase.co");
    }
    if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("must not carry user info, a query or a fragment");
    }
    return uri;
  }

  private static String parseIssuer(String value) {
    if (value.isBlank() || !value.equals(value.strip())) {
      throw new IllegalArgumentException(
          "must not be blank or have leading or trailing white space");
    }
    if (value.length() > 512) {
      throw new IllegalArgumentException("must be at most 512 characters");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i)) || Character.isWhitespace(value.charAt(i))) {
        throw new IllegalArgumentException("must not contain white space or control characters");
      }
    }
    return value;
  }

  private static Path parsePath(String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException("must not be blank");
    }
    return Path.of(value);
  }

  /** Collects problems instead of stopping at the first. */
  private static final class Reader {
    private final Map<String, String> environment;
    private final List<String> problems = new ArrayList<>();

    Reader(Map<String, String> environment) {
      this.environment = environment;
    }

    <T> Optional<T> optional(String name, Function<String, T> parse) {
      String value = environment.get(name);
      if (value == null || value.isEmpty()) {
        return Optional.empty();
      }
      try {
        return Optional.of(parse.apply(value));
      } catch (IllegalArgumentException e) {
        // The rule, never the value: some settings are URLs with credentials by mistake.
        problem(name + " " + e.getMessage());
        return Optional.empty();
      }
    }

    Optional<Secret> secret(String name) {
      String value = environment.get(name);
      if (value == null || value.isEmpty()) {
        return Optional.empty();
      }
      if (value.isBlank() || !value.equals(value.strip())) {
        problem(name + " must not have leading or trailing white space");
        return Optional.empty();
      }
      return Optional.of(new Secret(value));
    }

    int integer(String name, int defaultValue, int min, int max) {
      return optional(
              name,
              value -> {
                int parsed;
                try {
                  parsed = Integer.parseInt(value.trim());
                } catch (NumberFormatException e) {
                  throw new IllegalArgumentException(
                      "must be a whole number from " + min + " to " + max, e);
                }
                if (parsed < min || parsed > max) {
                  throw new IllegalArgumentException(
                      "must be from " + min + " to " + max + " but was " + parsed);
                }
                return parsed;
              })
          .orElse(defaultValue);
    }

    void problem(String problem) {
      problems.add(problem);
    }

    void failIfAny() {
      if (!problems.isEmpty()) {
        throw new InvalidSettingsException(problems);
      }
    }
  }
}
