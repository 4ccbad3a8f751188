package dev.codebasechat.springai;

import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/** A model that answers "answer to <question>", in two chunks when streamed; it records prompts. */
final class EchoModel implements ChatModel {
  final List<List<Message>> prompts = new ArrayList<>();

  @Override
  public synchronized ChatResponse call(Prompt prompt) {
    prompts.add(List.copyOf(prompt.getInstructions()));
    return new ChatResponse(List.of(new Generation(new AssistantMessage(answer(prompt)))));
  }

  @Override
  public Flux<ChatResponse> stream(Prompt prompt) {
    synchronized (this) {
      prompts.add(List.copyOf(prompt.getInstructions()));
    }
    String answer = answer(prompt);
    int half = answer.length() / 2;
    return Flux.just(answer.substring(0, half), answer.substring(half))
        .map(part -> new ChatResponse(List.of(new Generation(new AssistantMessage(part)))));
  }

  List<Integer> promptSizes() {
    return prompts.stream().map(List::size).toList();
  }

  private static String answer(Prompt prompt) {
    List<Message> messages = prompt.getInstructions();
    return "answer to " + messages.get(messages.size() - 1).getText();
  }
}
