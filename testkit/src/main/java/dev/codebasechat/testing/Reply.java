package dev.codebasechat.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** One HTTP answer of the fake, before it is handed to WireMock. */
record Reply(int status, Map<String, String> headers, @Nullable String body) {

  static final String JSON = "application/json; charset=utf-8";

  Reply {
    headers = Map.copyOf(headers);
  }

  static Reply json(int status, String body) {
    return new Reply(status, Map.of("Content-Type", JSON), body);
  }

  static Reply empty(int status) {
    return new Reply(status, Map.of(), null);
  }

  Reply withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Reply(status, more, body);
  }
}
