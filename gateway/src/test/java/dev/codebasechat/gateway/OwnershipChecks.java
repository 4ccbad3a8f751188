package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The ownership rule every mode must keep: another user's session answers like a missing one. */
final class OwnershipChecks {
  private OwnershipChecks() {}

  /**
   * Sends every route that takes a session id as {@code intruderToken}, once with {@code foreignId}
   * (another user's session) and once with an id nobody has, and expects the same 404: status, body
   * and headers (but the date).
   */
  static void foreignSessionAnswersLikeAMissingOne(
      GatewayClient client, String intruderToken, String foreignId) {
    String missing = "chat-1737201600000-nosuchsession";

    record Call(String method, String pathTemplate, Optional<String> body) {}
    List<Call> calls =
        List.of(
            new Call("GET", "/v1/sessions/%s", Optional.empty()),
            new Call("GET", "/v1/sessions/%s?last=1", Optional.empty()),
            new Call(
                "POST",
                "/v1/sessions/%s/messages",
                Optional.of("{\"id\":\"b1\",\"role\":\"user\",\"content\":\"intruder\"}")),
            new Call(
                "PATCH",
                "/v1/sessions/%s",
                Optional.of("{\"repo\":\"evil/repo\",\"metadata\":{\"owned\":true}}")),
            new Call("DELETE", "/v1/sessions/%s/messages", Optional.empty()),
            new Call("DELETE", "/v1/sessions/%s", Optional.empty()),
            new Call("GET", "/api/codebase/chat?sessionId=%s", Optional.empty()),
            new Call("DELETE", "/api/codebase/chat?sessionId=%s", Optional.empty()));
    for (Call call : calls) {
      Answer foreign =
          client.send(
              call.method(),
              call.pathTemplate().formatted(foreignId),
              Optional.of(intruderToken),
              call.body());
      Answer absent =
          client.send(
              call.method(),
              call.pathTemplate().formatted(missing),
              Optional.of(intruderToken),
              call.body());
      String what = call.method() + " " + call.pathTemplate();
      assertThat(foreign.status()).as(what).isEqualTo(404);
      assertThat(foreign.body()).as(what).isEqualTo(absent.body());
      assertThat(withoutDate(foreign.headers())).as(what).isEqualTo(withoutDate(absent.headers()));
    }
    // The original's DELETE carries the id in its body.
    Answer foreignDelete =
        client.send(
            "DELETE",
            "/api/codebase/chat",
            Optional.of(intruderToken),
            Optional.of(sessionIdBody(foreignId)));
    Answer absentDelete =
        client.send(
            "DELETE",
            "/api/codebase/chat",
            Optional.of(intruderToken),
            Optional.of(sessionIdBody(missing)));
    assertThat(foreignDelete.status()).isEqualTo(404);
    assertThat(foreignDelete.body()).isEqualTo(absentDelete.body());
    // The original's POST creates a session it does not find, so an absent id is no comparison
    // here.
    Answer foreignPost =
        client.send(
            "POST",
            "/api/codebase/chat",
            Optional.of(intruderToken),
            Optional.of("{\"sessionId\":\"" + foreignId + "\",\"message\":\"intruder\"}"));
    assertThat(foreignPost.status()).as("POST /api/codebase/chat").isEqualTo(404);
  }

  private static String sessionIdBody(String id) {
    return "{\"sessionId\":\"" + id + "\"}";
  }

  private static Map<String, String> withoutDate(Map<String, String> headers) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.remove("date");
    return copy;
  }
}
