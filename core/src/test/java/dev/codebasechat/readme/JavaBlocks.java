package dev.codebasechat.readme;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The {@code ```java} blocks of the README and of {@code docs/*.md}, and a compiler for them on the
 * running test's classpath: shared by the core's docs test and the adapter modules' (through the
 * core's test jar). Every block is a complete compilation unit whose first line names the artifacts
 * a reader adds ({@code // dev.codebasechat:chat-session-core}); the test of the module that has
 * those artifacts compiles and runs it.
 *
 * <p>{@link #bySection} splits one document by its {@code ## } sections, each meant to compile on
 * its own.
 */
public final class JavaBlocks {
  private static final Path README = Path.of("README.md");
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern CLASS_NAME = Pattern.compile("class (\\w+)");
  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
  private static final Pattern SECTION = Pattern.compile("(?m)^## (.+)$");

  private JavaBlocks() {}

  /** A Java block of a document. */
  public record Block(Path file, String text) {
    /** The block's first line: the artifacts it needs. */
    public String needs() {
      return text.lines().findFirst().orElse("");
    }
  }

  /** Every Java block of the README and the documents under {@code docs/}, in order. */
  public static List<Block> inDocs() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(README);
    try (var docs = Files.list(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    List<Block> found = new ArrayList<>();
    for (Path file : files) {
      Matcher blocks = JAVA_BLOCK.matcher(Files.readString(file, StandardCharsets.UTF_8));
      while (blocks.find()) {
        found.add(new Block(file, blocks.group(1)));
      }
    }
    return found;
  }

  /** The blocks of {@link #inDocs} whose first line names {@code artifact}. */
  public static List<Block> needing(String artifact) throws IOException {
    return inDocs().stream()
        .filter(block -> block.needs().startsWith("// ") && block.needs().contains(artifact))
        .toList();
  }

  /**
   * Compiles the blocks needing {@code artifact} into {@code out}, after checking they show exactly
   * the classes {@code shown}; a loader of what they compiled to, over the test's classes.
   */
  public static java.net.URLClassLoader compiledBlocks(String artifact, Path out, String... shown)
      throws IOException {
    List<String> sources = needing(artifact).stream().map(Block::text).toList();
    List<String> names = sources.stream().map(JavaBlocks::className).toList();
    if (!names.equals(List.of(shown))) {
      throw new AssertionError("the docs' blocks needing " + artifact + " show " + names);
    }
    List<String> errors = compile(sources, out);
    if (!errors.isEmpty()) {
      throw new AssertionError("compiler diagnostics: " + errors);
    }
    return new java.net.URLClassLoader(
        new java.net.URL[] {out.toUri().toURL()}, JavaBlocks.class.getClassLoader());
  }

  /** Every Java block of the README, in order. */
  public static List<String> inReadme() throws IOException {
    return in(Files.readString(README, StandardCharsets.UTF_8));
  }

  /**
   * The Java blocks of the markdown file {@code file} by section ({@code ## } heading), in order;
   * sections without a Java block are left out. Each section is meant to compile on its own.
   */
  public static Map<String, List<String>> bySection(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Map<String, List<String>> sections = new LinkedHashMap<>();
    Matcher heading = SECTION.matcher(text);
    List<Integer> starts = new ArrayList<>();
    List<String> names = new ArrayList<>();
    while (heading.find()) {
      starts.add(heading.start());
      names.add(heading.group(1).strip());
    }
    for (int i = 0; i < starts.size(); i++) {
      int end = i + 1 < starts.size() ? starts.get(i + 1) : text.length();
      List<String> blocks = in(text.substring(starts.get(i), end));
      if (!blocks.isEmpty()) {
        sections.put(names.get(i), blocks);
      }
    }
    return sections;
  }

  private static List<String> in(String markdown) {
    Matcher blocks = JAVA_BLOCK.matcher(markdown);
    List<String> found = new ArrayList<>();
    while (blocks.find()) {
      found.add(blocks.group(1));
    }
    return found;
  }

  /**
   * The binary name of the first class {@code source} declares, with its package if it has one.
   *
   * @throws IllegalArgumentException when {@code source} declares no class
   */
  public static String className(String source) {
    Matcher name = CLASS_NAME.matcher(source);
    if (!name.find()) {
      throw new IllegalArgumentException("no class in: " + source.lines().findFirst().orElse(""));
    }
    Matcher pkg = PACKAGE.matcher(source);
    return pkg.find() ? pkg.group(1) + "." + name.group(1) : name.group(1);
  }

  /**
   * {@code body} as the body of method {@code run(<given>)} of class {@code name}, after {@code
   * imports}.
   */
  public static String asMethodBody(String name, String imports, String given, String body) {
    return imports
        + "\nclass "
        + name
        + " {\n  void run("
        + given
        + ") throws Exception {\n"
        + body
        + "\n  }\n}\n";
  }

  /**
   * The README's blocks that start with the line {@code mark} (naming the module they are for),
   * each {@linkplain #asMethodBody as the body of a method} of a class {@code Fragment<n>}.
   */
  public static List<String> markedAsMethodBodies(String mark, String imports, String given)
      throws IOException {
    List<String> sources = new ArrayList<>();
    for (String block : inReadme()) {
      if (block.startsWith(mark)) {
        sources.add(asMethodBody("Fragment" + sources.size(), imports, given, block));
      }
    }
    return sources;
  }

  /**
   * Compiles {@code sources} (each named after its first class) into {@code out} against the test
   * classpath; the errors, one line each, empty when it compiled.
   */
  public static List<String> compile(List<String> sources, Path out) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      Matcher name = CLASS_NAME.matcher(sources.get(i));
      Path file = out.resolve((name.find() ? name.group(1) : "Snippet" + i) + ".java");
      Files.writeString(file, sources.get(i), StandardCharsets.UTF_8);
      files.add(file);
    }
    try (StandardJavaFileManager fileManager =
        javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of(
              "-d",
              out.toString(),
              "-classpath",
              System.getProperty("java.class.path"),
              "-proc:none",
              "-Xlint:none");
      javac
          .getTask(
              null,
              fileManager,
              diagnostics,
              options,
              null,
              fileManager.getJavaFileObjectsFromPaths(files))
          .call();
    }
    return diagnostics.getDiagnostics().stream()
        .filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR)
        .map(
            d ->
                d.getSource().getName()
                    + ":"
                    + d.getLineNumber()
                    + ": "
                    + d.getMessage(Locale.ROOT))
        .toList();
  }
}
