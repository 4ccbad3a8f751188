package dev.codebasechat.session;

import java.util.List;
import java.util.OptionalLong;

/**
 * A page of the caller's sessions, most recent activity first.
 *
 * @param sessions this page
 * @param total how many sessions the caller has in all, when the database counted them
 * @param offset the position of the first entry of this page
 * @param source where the list came from
 */
public record SessionPage(
    List<SessionSummary> sessions, OptionalLong total, int offset, ReadSource source) {
  public SessionPage {
    sessions = List.copyOf(sessions);
  }
}
