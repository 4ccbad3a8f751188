package dev.codebasechat.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The OpenAPI 3.1 document of the HTTP API ({@code openapi.json} beside these classes, checked in
 * at {@code gateway/src/main/resources}), served as it is at {@code GET /openapi.json}. The
 * gateway's tests hold every answer they receive to it. Read once; thread-safe.
 */
final class ApiDocument {
  /** Where the document is on the class path. */
  static final String RESOURCE = "/openapi.json";

  private static final byte[] BYTES = load();

  private ApiDocument() {}

  /** The document's bytes (UTF-8 JSON); callers must not change them. */
  static byte[] bytes() {
    return BYTES;
  }

  private static byte[] load() {
    try (InputStream in = ApiDocument.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the gateway's class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
