package dev.codebasechat.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's blocks for this module compile as written, against this module's classpath. */
class ReadmeSnippetsTest {
  private static final String MARK = "// chat-session-langchain4j\n";
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final String IMPORTS =
      """
      import dev.codebasechat.langchain4j.*;
      import dev.codebasechat.memory.*;
      import dev.codebasechat.session.*;
      import dev.langchain4j.memory.chat.MessageWindowChatMemory;
      import dev.langchain4j.model.chat.ChatModel;
      import dev.langchain4j.service.*;
      import dev.langchain4j.store.memory.chat.ChatMemoryStore;
      """;
  private static final String GIVEN =
      "SessionStore sessions, ChatModel model, Caller caller, String conversationId, String question";

  @TempDir Path out;

  @Test
  void theBlocksForThisModule_compileAsWritten() throws IOException {
    Matcher blocks =
        JAVA_BLOCK.matcher(Files.readString(Path.of("README.md"), StandardCharsets.UTF_8));
    List<Path> files = new ArrayList<>();
    while (blocks.find()) {
      if (!blocks.group(1).startsWith(MARK)) {
        continue;
      }
      Path file = out.resolve("Fragment" + files.size() + ".java");
      Files.writeString(
          file,
          IMPORTS
              + "class Fragment"
              + files.size()
              + " {\n  void run("
              + GIVEN
              + ") throws Exception {\n"
              + blocks.group(1)
              + "\n  }\n}\n",
          StandardCharsets.UTF_8);
      files.add(file);
    }
    assertThat(files).isNotEmpty();

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager manager =
        javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of(
              "-d",
              out.toString(),
              "-classpath",
              System.getProperty("java.class.path"),
              "-proc:none");
      javac
          .getTask(
              null, manager, diagnostics, options, null, manager.getJavaFileObjectsFromPaths(files))
          .call();
    }
    assertThat(
            diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR)
                .map(d -> d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                .toList())
        .as("compiler diagnostics")
        .isEmpty();
  }
}
