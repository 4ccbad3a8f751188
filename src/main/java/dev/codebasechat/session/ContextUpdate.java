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

  /** Longest accepted repo or file name, in characters. */
  public static final int MAX_NAME_LENGTH = 1_024;

  public ContextUpdate {
    repo.ifPresent(value -> checkName("repo", value));
    currentFile.ifPresent(value -> checkName("currentFile", value));
    contextCache.ifPresent(value -> checkObject("contextCache", value));
    metadata.ifPresent(value -> checkObject("metadata", value));
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

  private static void checkName(String field, String value) {
    if (value.isEmpty() || value.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          field + " must be 1.." + MAX_NAME_LENGTH + " characters but was " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException(field + " must not contain control characters");
      }
    }
  }

  private static void checkObject(String field, JsonNode value) {
    if (!value.isObject()) {
      throw new IllegalArgumentException(field + " must be a JSON object but was " + value.getNodeType());
    }
  }
}
