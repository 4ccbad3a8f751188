package dev.codebasechat.session.internal;

import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.MessageId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One acknowledged change of a session that the database has not confirmed yet. */
public sealed interface PendingOp {

  /** How many writes this counts for in {@code pendingWrites}. */
  public int weight();

  /** Appends messages (possibly none: that creates the session), optionally moving repo/file. */
  public record Append(
      List<ChatMessage> messages, Optional<String> repo, Optional<String> currentFile)
      implements PendingOp {
    public Append {
      messages = List.copyOf(messages);
    }

    /** This append followed by {@code later}, as one; ids already here are not repeated. */
    Append then(Append later) {
      Map<MessageId, ChatMessage> merged = new LinkedHashMap<>();
      messages.forEach(message -> merged.putIfAbsent(message.id(), message));
      later.messages.forEach(message -> merged.putIfAbsent(message.id(), message));
      return new Append(
          new ArrayList<>(merged.values()),
          later.repo.or(() -> repo),
          later.currentFile.or(() -> currentFile));
    }

    @Override
    public int weight() {
      return Math.max(1, messages.size());
    }
  }

  /** Changes the context fields. */
  public record Context(ContextUpdate update) implements PendingOp {
    public Context then(Context later) {
      return new Context(update.then(later.update));
    }

    @Override
    public int weight() {
      return 1;
    }
  }

  /** Empties the history. */
  public record Clear() implements PendingOp {
    @Override
    public int weight() {
      return 1;
    }
  }

  /** Deletes the session. */
  public record Delete() implements PendingOp {
    @Override
    public int weight() {
      return 1;
    }
  }
}
