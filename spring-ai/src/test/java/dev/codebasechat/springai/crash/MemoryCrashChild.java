package dev.codebasechat.springai.crash;

import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.langchain4j.SessionChatMemoryStore;
import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.FlushReport;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.springai.SessionChatMemoryRepository;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * The process {@link MemoryCrashTest} kills: a chat through one framework's memory over a session
 * store with a journal. For each turn {@code n} it asks {@code q<n>}, the model answers {@code
 * a<n>}, and it prints {@code SEEN <n> <what the model was shown>} and then {@code TURN <n>}. After
 * its turns it waits to be killed, or with {@code drain} flushes and prints {@code DRAINED}.
 *
 * <p>Arguments: {@code <langchain4j|spring-ai> <restUrl> <apiKey> <journal> <user> <token>
 * <conversation> <first turn> <turns> <hold|drain>}.
 */
public final class MemoryCrashChild {
  private MemoryCrashChild() {}

  interface Assistant {
    String chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String text);
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    String framework = args[0];
    Caller caller = new Caller(UUID.fromString(args[4]), AccessToken.of(args[5]));
    String conversation = args[6];
    int first = Integer.parseInt(args[7]);
    int turns = Integer.parseInt(args[8]);
    boolean drain = args[9].equals("drain");
    List<String> seen = new ArrayList<>();
    try (SqliteJournal journal = SqliteJournal.builder().path(Path.of(args[3])).build();
        PostgrestClient client =
            PostgrestClient.builder()
                .restUrl(args[1])
                .apiKey(ApiKey.of(args[2]))
                .connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(3))
                .build()) {
      SessionStore store =
          SessionStore.builder(client).journal(journal).debounce(Duration.ofMillis(40)).build();
      Function<String, String> ask =
          framework.equals("langchain4j")
              ? langChain4j(store, conversation, seen)
              : springAi(store, conversation, seen);
      try (CallerContext.Binding bound = CallerContext.bind(caller)) {
        for (int n = first; n < first + turns; n++) {
          seen.clear();
          ask.apply("q" + n);
          out.println("SEEN " + n + " " + String.join(",", seen));
          out.println("TURN " + n);
          out.flush();
        }
        if (!drain) {
          Thread.sleep(Duration.ofMinutes(5).toMillis()); // until killed
          return;
        }
        FlushReport report = store.flush(Duration.ofSeconds(60));
        out.println(report.isComplete() ? "DRAINED" : "PENDING " + report.pendingWrites());
        out.flush();
      }
      store.close();
    }
  }

  private static Function<String, String> langChain4j(
      SessionStore store, String conversation, List<String> seen) {
    ChatModel model =
        new ChatModel() {
          @Override
          public ChatResponse doChat(ChatRequest request) {
            String last = "";
            for (dev.langchain4j.data.message.ChatMessage message : request.messages()) {
              last =
                  message instanceof dev.langchain4j.data.message.UserMessage user
                      ? user.singleText()
                      : ((AiMessage) message).text();
              seen.add(last);
            }
            return ChatResponse.builder()
                .aiMessage(AiMessage.from("a" + last.substring(1)))
                .build();
          }
        };
    SessionChatMemoryStore memories = SessionChatMemoryStore.over(store);
    Assistant assistant =
        AiServices.builder(Assistant.class)
            .chatModel(model)
            .chatMemoryProvider(
                id ->
                    MessageWindowChatMemory.builder()
                        .id(id)
                        .maxMessages(20)
                        .chatMemoryStore(memories)
                        .build())
            .build();
    return question -> assistant.chat(conversation, question);
  }

  private static Function<String, String> springAi(
      SessionStore store, String conversation, List<String> seen) {
    org.springframework.ai.chat.model.ChatModel model =
        new org.springframework.ai.chat.model.ChatModel() {
          @Override
          public org.springframework.ai.chat.model.ChatResponse call(Prompt prompt) {
            String last = "";
            for (org.springframework.ai.chat.messages.Message message : prompt.getInstructions()) {
              last = message.getText();
              seen.add(last);
            }
            return new org.springframework.ai.chat.model.ChatResponse(
                List.of(new Generation(new AssistantMessage("a" + last.substring(1)))));
          }
        };
    ChatMemory memory =
        org.springframework.ai.chat.memory.MessageWindowChatMemory.builder()
            .chatMemoryRepository(SessionChatMemoryRepository.over(store))
            .maxMessages(20)
            .build();
    ChatClient client =
        ChatClient.builder(model)
            .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build())
            .build();
    return question ->
        client
            .prompt()
            .user(question)
            .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversation))
            .call()
            .content();
  }
}
