package dev.codebasechat.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.memory.MessageCodec;
import dev.codebasechat.session.Role;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.CustomMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * LangChain4j's messages as session messages. The text a person reads goes into the message's
 * content; everything else (tool execution requests, a user's name, images, a custom message's
 * attributes) into the payload, in LangChain4j's own JSON ({@link ChatMessageSerializer}), so that
 * every message type comes back equal; an attribute value of a class LangChain4j's deserializer
 * does not know (a model provider's own) comes back as its JSON form, maps and lists, as with
 * LangChain4j's serializer anywhere. A message from outside the memory (written through the
 * gateway) reads as the plain message of its role; a blank system text, which LangChain4j refuses
 * in a {@link SystemMessage}, reads as a {@link CustomMessage} with {@code role} and {@code text}.
 *
 * <p>Stateless and thread-safe.
 */
final class LangChain4jMessageCodec implements MessageCodec<ChatMessage> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Encoded encode(ChatMessage message) {
    JsonNode payload = parse(serialized(message));
    ChatMessage back = ChatMessageDeserializer.messageFromJson(payload.toString());
    if (!back.equals(message) && !differsOnlyInAttributeClasses(message, back, payload)) {
      throw new IllegalArgumentException(
          "this "
              + message.type()
              + " message cannot be stored faithfully: LangChain4j's serializer does not keep all"
              + " of it");
    }
    return new Encoded(roleOf(message), textOf(message), payload);
  }

  /**
   * Messages read back equal, and those whose attributes come back as their JSON form, are the
   * same: compared by what is stored when {@code equals} says no.
   */
  @Override
  public boolean same(ChatMessage a, ChatMessage b) {
    return a.equals(b)
        || (a.type() == b.type()
            && !attributesOf(a).isEmpty()
            && parse(serialized(a)).equals(parse(serialized(b))));
  }

  /**
   * Whether {@code back} is {@code message} but for the classes of attribute values: a value of a
   * class of the model provider's own (Gemini's generated images, Anthropic's server tool results)
   * reads back as its JSON form, maps and lists, as LangChain4j's serializer writes it. Every other
   * part reads back equal, every attribute is there, and the JSON form is stable.
   */
  private static boolean differsOnlyInAttributeClasses(
      ChatMessage message, ChatMessage back, JsonNode payload) {
    Map<String, Object> attributes = attributesOf(message);
    if (attributes.isEmpty() || !attributesOf(back).keySet().equals(attributes.keySet())) {
      return false;
    }
    return withAttributes(message, attributesOf(back)).equals(back)
        && parse(serialized(back)).equals(payload);
  }

  private static Map<String, Object> attributesOf(ChatMessage message) {
    if (message instanceof AiMessage ai) {
      return ai.attributes();
    }
    if (message instanceof UserMessage user) {
      return user.attributes();
    }
    if (message instanceof ToolExecutionResultMessage result) {
      return result.attributes();
    }
    if (message instanceof CustomMessage custom) {
      return custom.attributes();
    }
    return Map.of();
  }

  private static ChatMessage withAttributes(ChatMessage message, Map<String, Object> attributes) {
    if (message instanceof AiMessage ai) {
      return ai.toBuilder().attributes(attributes).build();
    }
    if (message instanceof UserMessage user) {
      return user.toBuilder().attributes(attributes).build();
    }
    if (message instanceof ToolExecutionResultMessage result) {
      return result.toBuilder().attributes(attributes).build();
    }
    return CustomMessage.from(attributes);
  }

  @Override
  public ChatMessage decode(Role role, String text, Optional<JsonNode> payload) {
    if (payload.isPresent()) {
      return ChatMessageDeserializer.messageFromJson(payload.get().toString());
    }
    return switch (role) {
      case USER -> UserMessage.from(text);
      case ASSISTANT -> AiMessage.from(text);
      case SYSTEM ->
          text.isBlank()
              ? CustomMessage.from(Map.of("role", "system", "text", text))
              : SystemMessage.from(text);
      case TOOL -> ToolExecutionResultMessage.from(null, null, text);
    };
  }

  /**
   * @throws IllegalArgumentException when LangChain4j's serializer cannot write the message (an
   *     attribute value with no JSON form, say), naming the value's key when it can
   */
  private static String serialized(ChatMessage message) {
    try {
      return ChatMessageSerializer.messageToJson(message);
    } catch (RuntimeException unwritable) {
      throw new IllegalArgumentException(
          "this "
              + message.type()
              + " message cannot be stored: LangChain4j's serializer cannot write "
              + unwritablePart(unwritable),
          unwritable);
    }
  }

  private static String unwritablePart(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
        Object key = mapping.getPath().get(mapping.getPath().size() - 1).getFieldName();
        if (key != null) {
          return "its value under \"" + key + "\"";
        }
      }
    }
    return "it";
  }

  private static Role roleOf(ChatMessage message) {
    return switch (message.type()) {
      case USER -> Role.USER;
      case AI -> Role.ASSISTANT;
      case SYSTEM, CUSTOM -> Role.SYSTEM;
      case TOOL_EXECUTION_RESULT -> Role.TOOL;
    };
  }

  private static String textOf(ChatMessage message) {
    if (message instanceof UserMessage user) {
      return texts(user.contents());
    }
    if (message instanceof AiMessage ai) {
      return ai.text() == null ? "" : ai.text();
    }
    if (message instanceof SystemMessage system) {
      return system.text();
    }
    if (message instanceof ToolExecutionResultMessage result) {
      return texts(result.contents());
    }
    return "";
  }

  private static String texts(List<Content> contents) {
    return contents.stream()
        .filter(TextContent.class::isInstance)
        .map(content -> ((TextContent) content).text())
        .collect(Collectors.joining("\n"));
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("LangChain4j's serializer wrote JSON that does not parse", e);
    }
  }
}
