package dev.codebasechat.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * A change to a session's context; an empty field is left as it is. Immutable.
 *
 * @param repo new repository, if it changes
 * @param currentFile new current file, if it changes
 * @param contextCache replaces the whole context cache (a JSON object), if present
 * @param metadata replaces the whole metadata object, if present
 */
public record ContextUpdate(
    Optional<String> repo,
    Optional<String> currentFile,
    Optional<JsonNode> contextCache,
    Optional<JsonNode> metadata) {

  /** Longest accepted repo name, in characters (the database's CHECK allows the same). */
  public static final int MAX_REPO_LENGTH = 512;

  /** Longest accepted current-file path, in characters (the database's CHECK allows the same). */
  public static final int MAX_FILE_LENGTH = 4_096;

  /** Largest accepted context cache, in bytes of UTF-8 JSON (the database allows 1 MiB). */
  public static final int MAX_CONTEXT_CACHE_BYTES = 1_048_576;

  /** Largest accepted metadata object, in bytes of UTF-8 JSON (the database allows 64 KiB). */
  public static final int MAX_METADATA_BYTES = 65_536;

  public ContextUpdate {
    repo.ifPresent(value -> checkName("repo", value, MAX_REPO_LENGTH));
    currentFile.ifPresent(value -> checkName("currentFile", value, MAX_FILE_LENGTH));
    contextCache.ifPresent(value -> checkObject("contextCache", value, MAX_CONTEXT_CACHE_BYTES));
    metadata.ifPresent(value -> checkObject("metadata", value, MAX_METADATA_BYTES));
    contextCache = contextCache.map(JsonNode::deepCopy);
    metadata = metadata.map(JsonNode::deepCopy);
  }

  public static ContextUpdate none() {
    return new ContextUpdate(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public ContextUpdate withRepo(String value) {
    return new ContextUpdate(Optional.of(value), currentFile, contextCache, metadata);
  }

  public ContextUpdate withCurrentFile(String value) {
    return new ContextUpdate(repo, Optional.of(value), contextCache, metadata);
  }

  public ContextUpdate withContextCache(JsonNode value) {
    return new ContextUpdate(repo, currentFile, Optional.of(value), metadata);
  }

  public ContextUpdate withMetadata(JsonNode value) {
    return new ContextUpdate(repo, currentFile, contextCache, Optional.of(value));
  }

  public boolean isEmpty() {
    return repo.isEmpty() && currentFile.isEmpty() && contextCache.isEmpty() && metadata.isEmpty();
  }

  /** This update followed by {@code later}: later fields win. */
  public ContextUpdate then(ContextUpdate later) {
    return new ContextUpdate(
        later.repo.or(() -> repo),
        later.currentFile.or(() -> currentFile),
        later.contextCache.or(() -> contextCache),
        later.metadata.or(() -> metadata));
  }

  private static void checkName(String field, String value, int maxLength) {
    if (value.isEmpty() || value.length() > maxLength) {
      throw new IllegalArgumentException(
          field + " must be 1.." + maxLength + " characters but was " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException(field + " must not contain control characters");
      }
    }
  }

  private static void checkObject(String field, JsonNode value, int maxBytes) {
    if (!value.isObject()) {
      throw new IllegalArgumentException(field + " must be a JSON object but was " + value.getNodeType());
    }
    int bytes = value.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      throw new IllegalArgumentException(
          field + " must be at most " + maxBytes + " bytes of JSON but was " + bytes);
    }
  }
}
