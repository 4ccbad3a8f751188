package dev.codebasechat.springai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.codebasechat.memory.MessageCodec;
import dev.codebasechat.session.Role;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AbstractMessage;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.content.Media;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.MimeType;

/**
 * Spring AI's messages as session messages: the text in the content, the rest (metadata, media,
 * tool calls, tool responses) in the payload. Metadata values are kept as JSON: strings, numbers,
 * booleans, lists and maps come back as they were (a number as the smallest of {@code Integer},
 * {@code Long}, {@code Double} that holds it); any other value comes back as its JSON form (a date
 * or time as ISO-8601 text, a record as a map); a value with no JSON form is refused, naming its
 * key. Media data is kept as text (a URL, or base64) or as its bytes; a {@code URL} object comes
 * back as its text, as {@code data(URI)} keeps one, and data of any other class is refused.
 * Messages are compared by what is stored ({@link #same}), since Spring AI's {@code Media} has no
 * {@code equals}.
 *
 * <p>A subclass of Spring AI's user, assistant, system or tool response message (a model provider's
 * assistant message with its reasoning) is kept as the message it extends, without what the
 * subclass adds; any other message class is refused.
 *
 * <p>Written against the API that Spring AI 1.1 and 2.0 share. Stateless and thread-safe.
 */
final class SpringAiMessageCodec implements MessageCodec<Message> {
  // Date and time values as ISO-8601 text, as Spring Boot's own mapper writes them.
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  @Override
  public Encoded encode(Message message) {
    ObjectNode payload = JSON.createObjectNode();
    payload.put("type", message.getMessageType().name());
    if (message.getText() == null) {
      payload.put("textIsNull", true);
    }
    Map<String, Object> metadata = new LinkedHashMap<>(message.getMetadata());
    metadata.remove(AbstractMessage.MESSAGE_TYPE); // every constructor puts it back
    payload.set("metadata", metadataToJson(metadata));
    Role role;
    if (message instanceof UserMessage user) {
      role = Role.USER;
      payload.set("media", media(user.getMedia()));
    } else if (message instanceof AssistantMessage assistant) {
      role = Role.ASSISTANT;
      payload.set("media", media(assistant.getMedia()));
      ArrayNode calls = payload.putArray("toolCalls");
      for (AssistantMessage.ToolCall call : assistant.getToolCalls()) {
        calls.add(JSON.valueToTree(call));
      }
    } else if (message instanceof SystemMessage) {
      role = Role.SYSTEM;
    } else if (message instanceof ToolResponseMessage tool) {
      role = Role.TOOL;
      ArrayNode responses = payload.putArray("responses");
      for (ToolResponseMessage.ToolResponse response : tool.getResponses()) {
        responses.add(JSON.valueToTree(response));
      }
    } else {
      throw new IllegalArgumentException(
          "a message of class "
              + message.getClass().getName()
              + " cannot be stored: only Spring AI's user, assistant, system and tool response"
              + " messages can");
    }
    return new Encoded(role, message.getText() == null ? "" : message.getText(), payload);
  }

  @Override
  public Message decode(Role role, String text, Optional<JsonNode> stored) {
    if (stored.isEmpty()) {
      return switch (role) {
        case USER -> UserMessage.builder().text(text).build();
        case ASSISTANT -> AssistantMessage.builder().content(text).build();
        case SYSTEM -> SystemMessage.builder().text(text).build();
        case TOOL ->
            ToolResponseMessage.builder()
                .responses(List.of(new ToolResponseMessage.ToolResponse("", "", text)))
                .build();
      };
    }
    JsonNode payload = stored.get();
    @Nullable String content = payload.path("textIsNull").asBoolean(false) ? null : text;
    Map<String, Object> metadata = metadata(payload.path("metadata"));
    String type = payload.path("type").asText();
    return switch (type) {
      case "USER" ->
          UserMessage.builder()
              .text(content)
              .media(media(payload.path("media")))
              .metadata(metadata)
              .build();
      case "ASSISTANT" -> {
        List<AssistantMessage.ToolCall> calls = new ArrayList<>();
        for (JsonNode call : payload.path("toolCalls")) {
          calls.add(JSON.convertValue(call, AssistantMessage.ToolCall.class));
        }
        yield AssistantMessage.builder()
            .content(content)
            .properties(metadata)
            .toolCalls(calls)
            .media(media(payload.path("media")))
            .build();
      }
      case "SYSTEM" -> SystemMessage.builder().text(text).metadata(metadata).build();
      case "TOOL" -> {
        List<ToolResponseMessage.ToolResponse> responses = new ArrayList<>();
        for (JsonNode response : payload.path("responses")) {
          responses.add(JSON.convertValue(response, ToolResponseMessage.ToolResponse.class));
        }
        yield ToolResponseMessage.builder().responses(responses).metadata(metadata).build();
      }
      default ->
          throw new IllegalArgumentException(
              "a stored Spring AI message has the unknown type "
                  + SpringAiMessageCodec.quote(type));
    };
  }

  @Override
  public boolean same(Message a, Message b) {
    if (a.getClass() != b.getClass()) {
      return false;
    }
    // Spring AI's equals cannot tell media apart: Media has no equals, and a user message's equals
    // leaves its media out altogether (1.1). With media, the stored forms decide; without, equals
    // first (cheap), then the stored forms where it says no (a number read back as another type).
    if (!mediaOf(a).isEmpty() || !mediaOf(b).isEmpty()) {
      return encode(a).equals(encode(b));
    }
    return a.equals(b) || encode(a).equals(encode(b));
  }

  private static List<Media> mediaOf(Message message) {
    if (message instanceof UserMessage user) {
      return user.getMedia();
    }
    if (message instanceof AssistantMessage assistant) {
      return assistant.getMedia();
    }
    return List.of();
  }

  private static ArrayNode media(List<Media> media) {
    ArrayNode out = JSON.createArrayNode();
    for (Media item : media) {
      ObjectNode node = out.addObject();
      node.put("mimeType", item.getMimeType().toString());
      if (item.getId() != null) {
        node.put("id", item.getId());
      }
      if (item.getName() != null) {
        node.put("name", item.getName());
      }
      Object data = item.getData();
      if (data instanceof String text) {
        node.put("url", text);
      } else if (data instanceof URL url) {
        node.put("url", url.toString());
      } else if (data instanceof byte[] bytes) {
        node.put("bytes", Base64.getEncoder().encodeToString(bytes));
      } else {
        throw new IllegalArgumentException(
            "media "
                + (item.getName() != null ? quote(item.getName()) + " " : "")
                + "cannot be stored: its data is a "
                + data.getClass().getName()
                + "; Spring AI's media data is a URL, a string or bytes");
      }
    }
    return out;
  }

  /**
   * {@code Media.Builder}'s call that keeps a string as the data, as given: {@code data(Object)} in
   * Spring AI 1.1, {@code data(String)} in 2.0 (a string need not be a URI: 2.0 takes base64 too,
   * and {@code data(URI)} would refuse a URL with a blank).
   */
  private static final MethodHandle DATA_AS_TEXT = dataAsText();

  private static MethodHandle dataAsText() {
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    MethodType returnsBuilder = MethodType.methodType(Media.Builder.class, String.class);
    try {
      return lookup.findVirtual(Media.Builder.class, "data", returnsBuilder);
    } catch (NoSuchMethodException | IllegalAccessException notSpringAi2) {
      try {
        return lookup
            .findVirtual(
                Media.Builder.class, "data", returnsBuilder.changeParameterType(0, Object.class))
            .asType(returnsBuilder.insertParameterTypes(0, Media.Builder.class));
      } catch (NoSuchMethodException | IllegalAccessException neither) {
        throw new IllegalStateException(
            "this Spring AI has no Media.Builder.data(String) nor data(Object)", neither);
      }
    }
  }

  private static void withText(Media.Builder builder, String data) {
    try {
      Media.Builder unused = (Media.Builder) DATA_AS_TEXT.invokeExact(builder, data);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("Media.Builder.data failed", e);
    }
  }

  private static List<Media> media(JsonNode stored) {
    List<Media> media = new ArrayList<>();
    for (JsonNode node : stored) {
      Media.Builder builder =
          Media.builder().mimeType(MimeType.valueOf(node.path("mimeType").asText()));
      if (node.has("url")) {
        withText(builder, node.path("url").asText());
      } else {
        builder.data(
            new ByteArrayResource(Base64.getDecoder().decode(node.path("bytes").asText())));
      }
      if (node.hasNonNull("id")) {
        builder.id(node.path("id").asText());
      }
      if (node.hasNonNull("name")) {
        builder.name(node.path("name").asText());
      }
      media.add(builder.build());
    }
    return media;
  }

  /**
   * @throws IllegalArgumentException naming the key of a value that has no JSON form
   */
  private static ObjectNode metadataToJson(Map<String, Object> metadata) {
    ObjectNode out = JSON.createObjectNode();
    for (Map.Entry<String, Object> entry : metadata.entrySet()) {
      try {
        out.set(entry.getKey(), JSON.valueToTree(entry.getValue()));
      } catch (IllegalArgumentException noJsonForm) {
        throw new IllegalArgumentException(
            "the message's metadata value under "
                + quote(entry.getKey())
                + " (a "
                + entry.getValue().getClass().getName()
                + ") has no JSON form, so the message cannot be stored: store a string, a number,"
                + " a boolean, a date or time, a list, a map or a record of these instead",
            noJsonForm);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> metadata(JsonNode stored) {
    return stored.isObject() ? JSON.convertValue(stored, LinkedHashMap.class) : Map.of();
  }

  private static String quote(String value) {
    return "\"" + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "\"";
  }
}
