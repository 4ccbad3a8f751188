package dev.codebasechat.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secrets a test suite must never see in a log line or a child process's output: anything
 * shaped like a JWT (three base64url segments, the first starting {@code eyJ}), Supabase's {@code
 * sb_secret_…} and {@code sb_publishable_…} keys, and every value a fixture {@link #register
 * registered} as secret (API keys, JWT secrets, service keys, minted tokens).
 *
 * <p>Thread safe: fixtures register from any thread while log events are scanned on others. A value
 * is found only once it is registered, so fixtures register a secret when they create it. Findings
 * are reported through {@link #redact}: a report never repeats the secret itself.
 */
public final class TestSecrets {

  /** Shorter values are not registered: they would match ordinary text by accident. */
  public static final int MIN_LENGTH = 12;

  private static final Pattern SHAPED =
      Pattern.compile(
          "eyJ[A-Za-z0-9_-]{2,}\\.[A-Za-z0-9_-]{2,}\\.[A-Za-z0-9_-]*"
              + "|sb_(?:secret|publishable)_[A-Za-z0-9_-]{8,}");

  /** Registered secrets by their first {@link #MIN_LENGTH} characters, so a scan is one pass. */
  private static final ConcurrentHashMap<String, Set<String>> BY_PREFIX = new ConcurrentHashMap<>();

  private TestSecrets() {}

  /**
   * Adds {@code secret} to the values no log line may contain and returns it, so a fixture can
   * register where it creates: {@code return TestSecrets.register(mint(...))}. Values shorter than
   * {@link #MIN_LENGTH} are ignored.
   */
  public static String register(String secret) {
    if (secret.length() >= MIN_LENGTH) {
      BY_PREFIX
          .computeIfAbsent(secret.substring(0, MIN_LENGTH), k -> ConcurrentHashMap.newKeySet())
          .add(secret);
    }
    return secret;
  }

  /** What was found where: its kind and offset; never the value itself. */
  public record Finding(String kind, int start, int end) {}

  /** Every secret in {@code text}, in order of where it starts (overlaps are kept). */
  public static List<Finding> findIn(CharSequence text) {
    List<Finding> found = new ArrayList<>(0);
    Matcher shaped = SHAPED.matcher(text);
    while (shaped.find()) {
      String kind = shaped.group().startsWith("eyJ") ? "JWT-shaped string" : "Supabase key";
      found.add(new Finding(kind, shaped.start(), shaped.end()));
    }
    if (!BY_PREFIX.isEmpty()) {
      String s = text.toString();
      for (int i = 0; i + MIN_LENGTH <= s.length(); i++) {
        Set<String> candidates = BY_PREFIX.get(s.substring(i, i + MIN_LENGTH));
        if (candidates != null) {
          for (String secret : candidates) {
            if (s.startsWith(secret, i)) {
              found.add(new Finding("registered test secret", i, i + secret.length()));
            }
          }
        }
      }
    }
    found.sort((a, b) -> Integer.compare(a.start(), b.start()));
    return found;
  }

  /** Whether {@code text} holds any secret; see {@link #findIn}. */
  public static boolean containsSecret(CharSequence text) {
    return !findIn(text).isEmpty();
  }

  /**
   * {@code text} with every secret replaced by {@code <redacted KIND, N chars>}; what is left is
   * safe to print.
   */
  public static String redact(CharSequence text) {
    return redact(text.toString(), findIn(text));
  }

  static String redact(String text, List<Finding> findings) {
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    for (Finding f : findings) {
      if (f.end() <= at) {
        continue; // inside a span already redacted
      }
      out.append(text, at, Math.max(at, f.start()));
      out.append("<redacted ")
          .append(f.kind())
          .append(", ")
          .append(f.end() - f.start())
          .append(" chars>");
      at = f.end();
    }
    return out.append(text, Math.min(at, text.length()), text.length()).toString();
  }

  /**
   * A short, redacted piece of {@code text} around its first secret, on one line ({@code " | "}
   * between lines), or empty when it holds none.
   */
  public static Optional<String> redactedExcerpt(CharSequence text) {
    List<Finding> findings = findIn(text);
    if (findings.isEmpty()) {
      return Optional.empty();
    }
    String redacted = redact(text.toString(), findings).replaceAll("\\R", " | ");
    int marker = redacted.indexOf("<redacted ");
    int from = Math.max(0, marker - 60);
    int to = Math.min(redacted.length(), redacted.indexOf('>', marker) + 61);
    return Optional.of(
        (from > 0 ? "…" : "") + redacted.substring(from, to) + (to < redacted.length() ? "…" : ""));
  }

  /**
   * Fails if {@code output} (e.g. what a child JVM printed) holds a secret, naming {@code where}
   * and the redacted lines that hold one.
   *
   * @throws AssertionError listing every offending line, redacted
   */
  public static void assertNoSecretIn(String output, String where) {
    List<String> bad =
        Pattern.compile("\\R")
            .splitAsStream(output)
            .filter(TestSecrets::containsSecret)
            .map(line -> "  " + redact(line))
            .toList();
    if (!bad.isEmpty()) {
      throw new AssertionError(
          where
              + " printed a secret on "
              + bad.size()
              + " line(s) (redacted):\n"
              + String.join("\n", bad));
    }
  }
}
