package dev.codebasechat.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.schema.SessionTableRules;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A change to a session's context; an empty field is left as it is, a {@linkplain #cleared()
 * cleared} one loses its value. Immutable.
 *
 * @param repo new repository, if it changes
 * @param currentFile new current file, if it changes
 * @param contextCache replaces the whole context cache (a JSON object), if present
 * @param metadata replaces the whole metadata object, if present
 * @param cleared the text fields that lose their value (never one that is also set)
 */
public record ContextUpdate(
    Optional<String> repo,
    Optional<String> currentFile,
    Optional<JsonNode> contextCache,
    Optional<JsonNode> metadata,
    Set<TextField> cleared) {

  /**
   * The context fields that may be cleared (the JSON objects are emptied by sending {@code {}}).
   */
  public enum TextField {
    REPO,
    CURRENT_FILE
  }

  /**
   * Longest accepted repo name, in characters (Unicode code points, as the database's CHECK counts
   * them with {@code char_length}).
   */
  public static final int MAX_REPO_LENGTH = SessionTableRules.MAX_REPO_LENGTH;

  /**
   * Longest accepted current-file path, in characters (Unicode code points, as the database's CHECK
   * counts them with {@code char_length}).
   */
  public static final int MAX_FILE_LENGTH = SessionTableRules.MAX_CURRENT_FILE_LENGTH;

  /**
   * Largest accepted context cache, 1 MiB, in bytes as PostgreSQL stores it ({@code jsonb}, {@link
   * PgJsonb#storedSize}), which the database's CHECK counts: numbers and many small values take
   * more than their JSON text, long strings about as much.
   */
  public static final int MAX_CONTEXT_CACHE_BYTES = SessionTableRules.MAX_CONTEXT_CACHE_BYTES;

  /** Largest accepted metadata object, 64 KiB, counted as {@link #MAX_CONTEXT_CACHE_BYTES} is. */
  public static final int MAX_METADATA_BYTES = SessionTableRules.MAX_METADATA_BYTES;

  /**
   * An update that clears nothing.
   *
   * @throws IllegalArgumentException as the canonical constructor does, and if the context cache or
   *     the metadata is larger than its limit as stored or holds what PostgreSQL's jsonb cannot
   *     ({@link PgJsonb#checkFits})
   */
  public ContextUpdate(
      Optional<String> repo,
      Optional<String> currentFile,
      Optional<JsonNode> contextCache,
      Optional<JsonNode> metadata) {
    this(repo, currentFile, contextCache, metadata, Set.of());
    checkStored();
  }

  /**
   * The canonical constructor checks the shape and the text limits. The size of the JSON objects as
   * stored is checked by the other constructor, {@link #withContextCache}, {@link #withMetadata}
   * and by the store before it records an update: an update journaled by an earlier version, which
   * did not count sizes as jsonb, must still be read back (the database then judges it).
   *
   * @throws IllegalArgumentException if a text breaks its limit, a JSON value is not an object, or
   *     a field is both set and cleared
   */
  public ContextUpdate {
    cleared = cleared.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(cleared));
    if ((repo.isPresent() && cleared.contains(TextField.REPO))
        || (currentFile.isPresent() && cleared.contains(TextField.CURRENT_FILE))) {
      throw new IllegalArgumentException("a field cannot be both set and cleared");
    }
    repo.ifPresent(value -> checkName("repo", value, MAX_REPO_LENGTH));
    currentFile.ifPresent(value -> checkName("currentFile", value, MAX_FILE_LENGTH));
    contextCache.ifPresent(value -> checkObject("contextCache", value));
    metadata.ifPresent(value -> checkObject("metadata", value));
    contextCache = contextCache.map(JsonNode::deepCopy);
    metadata = metadata.map(JsonNode::deepCopy);
  }

  public static ContextUpdate none() {
    return new ContextUpdate(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public ContextUpdate withRepo(String value) {
    Objects.requireNonNull(value, "repo must not be null: withoutRepo() clears it");
    return new ContextUpdate(
        Optional.of(value), currentFile, contextCache, metadata, without(TextField.REPO));
  }

  public ContextUpdate withCurrentFile(String value) {
    Objects.requireNonNull(value, "currentFile must not be null: withoutCurrentFile() clears it");
    return new ContextUpdate(
        repo, Optional.of(value), contextCache, metadata, without(TextField.CURRENT_FILE));
  }

  /** This update, clearing the repo. */
  public ContextUpdate withoutRepo() {
    return new ContextUpdate(
        Optional.empty(), currentFile, contextCache, metadata, with(TextField.REPO));
  }

  /** This update, clearing the current file. */
  public ContextUpdate withoutCurrentFile() {
    return new ContextUpdate(
        repo, Optional.empty(), contextCache, metadata, with(TextField.CURRENT_FILE));
  }

  /**
   * This update, replacing the context cache with {@code value}.
   *
   * @throws IllegalArgumentException unless {@code value} is a JSON object that jsonb holds in at
   *     most {@link #MAX_CONTEXT_CACHE_BYTES} ({@link PgJsonb#checkFits})
   */
  public ContextUpdate withContextCache(JsonNode value) {
    Objects.requireNonNull(value, "contextCache must not be null: an empty object empties it");
    ContextUpdate update =
        new ContextUpdate(repo, currentFile, Optional.of(value), metadata, cleared);
    PgJsonb.checkFits(value, "contextCache", MAX_CONTEXT_CACHE_BYTES);
    return update;
  }

  /**
   * This update, replacing the metadata with {@code value}.
   *
   * @throws IllegalArgumentException unless {@code value} is a JSON object that jsonb holds in at
   *     most {@link #MAX_METADATA_BYTES} ({@link PgJsonb#checkFits})
   */
  public ContextUpdate withMetadata(JsonNode value) {
    Objects.requireNonNull(value, "metadata must not be null: an empty object empties it");
    ContextUpdate update =
        new ContextUpdate(repo, currentFile, contextCache, Optional.of(value), cleared);
    PgJsonb.checkFits(value, "metadata", MAX_METADATA_BYTES);
    return update;
  }

  /**
   * Refuses a context cache or metadata the table would refuse: over its limit as stored, or
   * holding what jsonb cannot ({@link PgJsonb#checkFits}). The store calls it before it records.
   */
  void checkStored() {
    contextCache.ifPresent(
        value -> PgJsonb.checkFits(value, "contextCache", MAX_CONTEXT_CACHE_BYTES));
    metadata.ifPresent(value -> PgJsonb.checkFits(value, "metadata", MAX_METADATA_BYTES));
  }

  public boolean isEmpty() {
    return repo.isEmpty()
        && currentFile.isEmpty()
        && contextCache.isEmpty()
        && metadata.isEmpty()
        && cleared.isEmpty();
  }

  /** The repo after this update, given the one before. */
  public Optional<String> repoAfter(Optional<String> before) {
    return cleared.contains(TextField.REPO) ? Optional.empty() : repo.or(() -> before);
  }

  /** The current file after this update, given the one before. */
  public Optional<String> currentFileAfter(Optional<String> before) {
    return cleared.contains(TextField.CURRENT_FILE)
        ? Optional.empty()
        : currentFile.or(() -> before);
  }

  /** This update followed by {@code later}: later fields (values and clears) win. */
  public ContextUpdate then(ContextUpdate later) {
    Set<TextField> clears = EnumSet.noneOf(TextField.class);
    if (later.cleared.contains(TextField.REPO)
        || (later.repo.isEmpty() && cleared.contains(TextField.REPO))) {
      clears.add(TextField.REPO);
    }
    if (later.cleared.contains(TextField.CURRENT_FILE)
        || (later.currentFile.isEmpty() && cleared.contains(TextField.CURRENT_FILE))) {
      clears.add(TextField.CURRENT_FILE);
    }
    return new ContextUpdate(
        later.cleared.contains(TextField.REPO) ? Optional.empty() : later.repo.or(() -> repo),
        later.cleared.contains(TextField.CURRENT_FILE)
            ? Optional.empty()
            : later.currentFile.or(() -> currentFile),
        later.contextCache.or(() -> contextCache),
        later.metadata.or(() -> metadata),
        clears);
  }

  private Set<TextField> with(TextField field) {
    Set<TextField> more =
        cleared.isEmpty() ? EnumSet.noneOf(TextField.class) : EnumSet.copyOf(cleared);
    more.add(field);
    return more;
  }

  private Set<TextField> without(TextField field) {
    Set<TextField> fewer =
        cleared.isEmpty() ? EnumSet.noneOf(TextField.class) : EnumSet.copyOf(cleared);
    fewer.remove(field);
    return fewer;
  }

  private static void checkName(String field, String value, int maxLength) {
    // Characters are code points: an emoji is one character here, as in PostgreSQL, not two UTF-16
    // units.
    int characters = value.codePointCount(0, value.length());
    if (characters == 0 || characters > maxLength) {
      throw new IllegalArgumentException(
          field + " must be 1.." + maxLength + " characters but was " + characters);
    }
    if (value.codePoints().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(field + " must not contain control characters");
    }
    // A lone surrogate is no Unicode text: PostgreSQL refuses it (after the write was
    // acknowledged, in journal mode) and SQLite stores '?' for it.
    if (value
        .codePoints()
        .anyMatch(c -> c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)) {
      throw new IllegalArgumentException(
          field + " holds an unpaired UTF-16 surrogate, which is not Unicode text");
    }
  }

  private static void checkObject(String field, JsonNode value) {
    if (!value.isObject()) {
      throw new IllegalArgumentException(
          field + " must be a JSON object but was " + value.getNodeType());
    }
  }
}
