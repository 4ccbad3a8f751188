package dev.codebasechat.session;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import com.github.tomakehurst.wiremock.client.MappingBuilder;

/**
 * Stubs put in front of a fake's table ({@code FakeSupabase.wireMock().stubFor(…)}), for answers
 * its backend would not give: a slow one, or one in a form the library does not take.
 */
final class TableStubs {
  private TableStubs() {}

  /** A select of the table's {@code columns} (the head's, a list's), for the caller to answer. */
  static MappingBuilder selectOf(String columns) {
    return get(urlPathMatching(".*/codebase_chat_sessions"))
        .withQueryParam("select", equalTo(columns));
  }
}
