package dev.codebasechat.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.journal.Journal;
import dev.codebasechat.postgrest.OperatorScope;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.internal.SessionCodec;
import java.util.Optional;

/**
 * One session's recovery for operators (the {@code recover} command): the row the database holds,
 * read with the service key, and how many writes the journal still holds for it; the database is
 * not written.
 *
 * <p><b>The service key.</b> Database calls go through an {@link OperatorScope}, which runs as
 * {@code service_role} and bypasses Row Level Security; never used on behalf of an end user.
 *
 * <p>Stateless: every method is static. Throws {@link PostgrestException} when the database refuses
 * or cannot be reached.
 */
public final class SessionRecovery {
  private static final String ROW_COLUMNS = SessionCodec.SESSION_COLUMNS;

  private SessionRecovery() {}

  /**
   * What {@link #recover} found.
   *
   * @param session the session as the database holds it; empty when it has no such session
   * @param pendingWrites journaled writes of it that are still waiting (they are kept)
   */
  public record Recovery(Optional<ChatSession> session, long pendingWrites) {}

  /**
   * Reads session {@code id} from the database with the service key and makes the journal's local
   * copy of it exactly that (or removes the copy when the database has no such session), so a
   * gateway's fallback answers match the database. Pending writes of the session stay journaled.
   *
   * @throws PostgrestException when the database refuses or cannot be reached; the local copy is
   *     then left as it was
   */
  public static Recovery recover(OperatorScope database, Journal journal, SessionId id) {
    Optional<ChatSession> session = fetchRow(database, id);
    if (session.isPresent()) {
      ChatSession found = session.get();
      journal.putSnapshot(
          id.value(), found.owner(), found.version(), SessionCodec.sessionToRow(found));
    } else {
      journal.deleteSnapshot(id.value());
    }
    long pending =
        journal.pending(id.value()).stream()
            .filter(entry -> !SessionCodec.isSetAside(entry))
            .count();
    return new Recovery(session, pending);
  }

  /** {@code session} in the table's row shape (what {@link #recover} read), messages included. */
  public static JsonNode toJson(ChatSession session) {
    return SessionCodec.jsonOf(SessionCodec.sessionToRow(session));
  }

  private static Optional<ChatSession> fetchRow(OperatorScope database, SessionId id) {
    return database
        .from(SessionCodec.TABLE)
        .select(ROW_COLUMNS)
        .eq("session_id", id.value())
        .maybeSingle()
        .map(SessionCodec::sessionFromRow);
  }
}
