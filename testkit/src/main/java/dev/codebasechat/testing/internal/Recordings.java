package dev.codebasechat.testing.internal;

import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.LoggedResponse;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.TestSecrets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * WireMock's journal entries as the kit's {@link RecordedRequest}: WireMock logs every request once
 * its answer is decided and before it is sent, so an answer a client has read is always recorded.
 */
public final class Recordings {
  private Recordings() {}

  /**
   * {@code events} (WireMock's order: newest first) oldest first; {@code waited} says how long each
   * answer waited for a delay WireMock did not time.
   */
  public static List<RecordedRequest> of(List<ServeEvent> events, Function<UUID, Duration> waited) {
    List<RecordedRequest> requests = new ArrayList<>(events.size());
    for (int i = events.size() - 1; i >= 0; i--) {
      requests.add(of(events.get(i), waited.apply(events.get(i).getId())));
    }
    // WireMock journals a request when its answer is ready: a slow one received first comes after
    // a quick one received later. Stable, so requests of one millisecond keep that order.
    requests.sort(java.util.Comparator.comparing(RecordedRequest::receivedAt));
    return requests;
  }

  private static RecordedRequest of(ServeEvent event, Duration waited) {
    LoggedRequest request = event.getRequest();
    String url = request.getUrl();
    int q = url.indexOf('?');
    String line = request.getMethod().getName() + " " + url + " HTTP/1.1";
    long received = size(line, request.getHeaders(), request.getBody());
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (HttpHeader header : request.getHeaders().all()) {
      headers.put(header.key(), header.values().stream().map(TestSecrets::redact).toList());
    }
    LoggedResponse response = event.getResponse();
    boolean answered = response != null && response.getFault() == null;
    int status = answered ? response.getStatus() : 0;
    // A HEAD's answer carries the headers of a body it does not send.
    byte[] sentBody =
        request.getMethod().getName().equals("HEAD") || !answered
            ? new byte[0]
            : response.getBody();
    long sent = answered ? size("HTTP/1.1 " + status + " OK", response.getHeaders(), sentBody) : 0;
    Integer process = event.getTiming().getProcessTime();
    Integer delay = event.getTiming().getAddedDelay();
    Integer sending = event.getTiming().getResponseSendTime();
    long millis =
        (process == null ? 0 : process)
            + (delay == null ? 0 : delay)
            + (sending == null ? 0 : sending);
    return new RecordedRequest(
        request.getMethod().getName(),
        TestSecrets.redact(q < 0 ? url : url.substring(0, q)),
        q < 0 ? "" : TestSecrets.redact(url.substring(q + 1)),
        headers,
        TestSecrets.redact(request.getBodyAsString()),
        status,
        received,
        sent,
        request.getLoggedDate().toInstant(),
        Duration.ofMillis(millis).plus(waited));
  }

  /** A start line, the headers and the blank line, and a body; with a Content-Length header. */
  private static long size(String startLine, HttpHeaders headers, byte[] body) {
    long bytes = startLine.length() + 2;
    boolean length = false;
    for (HttpHeader header : headers.all()) {
      length |= header.key().equalsIgnoreCase("Content-Length");
      for (String value : header.values()) {
        bytes += header.key().length() + 2 + value.getBytes(StandardCharsets.UTF_8).length + 2;
      }
    }
    if (!length) {
      bytes += ("Content-Length: " + body.length + "\r\n").length();
    }
    return bytes + 2 + body.length;
  }
}
