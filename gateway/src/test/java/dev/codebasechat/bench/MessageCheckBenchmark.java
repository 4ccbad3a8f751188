package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.internal.SessionCodec;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What {@link Append} costs per message now that it checks the message as the table will (its size
 * as jsonb, its text, its time), against writing the same message's JSON, which every append does
 * once when it is journaled or sent. Run with {@code scripts/bench-store}'s launcher: {@code
 * scripts/lib/bench-java org.openjdk.jmh.Main MessageCheckBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MessageCheckBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Characters of content: a short turn, a paragraph, the largest content a message may have. */
  @Param({"2", "1000", "200000"})
  public int contentChars;

  private ChatMessage message;

  @Setup
  public void setUp() {
    String content =
        "x".repeat(Math.max(0, contentChars - 2)) + "é€".substring(0, Math.min(2, contentChars));
    message =
        new ChatMessage(
            MessageId.of("m1"),
            Role.USER,
            content,
            Instant.parse("2026-12-06T12:00:00Z"),
            Optional.empty());
  }

  /** The checked value an append is made of. */
  @Benchmark
  public Append checkedAppend() {
    return Append.of(message);
  }

  /** The message's JSON as bytes: what an append costs at least once anyway. */
  @Benchmark
  public byte[] writtenJson() throws Exception {
    return JSON.writeValueAsBytes(SessionCodec.messageToJson(message));
  }
}
