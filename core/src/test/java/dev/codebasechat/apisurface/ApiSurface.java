package dev.codebasechat.apisurface;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * The public surface of a published module, rendered as text and kept in the repository ({@code
 * <module>/api/<artifact>.api}), as OkHttp keeps its API dump: every public type outside {@code
 * internal} packages, with its public and protected members, in a stable order. A test compares the
 * rendering with the file, so every change of the surface shows in review as a diff of that file.
 * Run the test with {@code -Dapi.update=true} to write the file anew after a deliberate change.
 */
public final class ApiSurface {
  private ApiSurface() {}

  /** The surface of the classes in the jar or directory {@code anyClassOfTheModule} came from. */
  public static String of(Class<?> anyClassOfTheModule) {
    List<Class<?>> types = new ArrayList<>();
    for (String name : classNames(locationOf(anyClassOfTheModule))) {
      Class<?> type;
      try {
        type = Class.forName(name, false, anyClassOfTheModule.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        throw new IllegalStateException("cannot load " + name, e);
      }
      if (isPublished(type)) {
        types.add(type);
      }
    }
    types.sort(Comparator.comparing(Class::getName));
    StringBuilder out = new StringBuilder();
    out.append(
        "# Public API of this module (internal packages left out). Written by ApiSurface;\n"
            + "# regenerate with -Dapi.update=true after a deliberate change.\n");
    for (Class<?> type : types) {
      out.append('\n').append(header(type)).append('\n');
      members(type).forEach(member -> out.append("  ").append(member).append('\n'));
    }
    return out.toString();
  }

  /**
   * Asserts that the surface of the module of {@code anyClassOfTheModule} is what {@code file}
   * holds; with {@code -Dapi.update=true}, writes it there instead.
   */
  public static void assertMatches(Class<?> anyClassOfTheModule, Path file) throws IOException {
    String actual = of(anyClassOfTheModule);
    if (Boolean.getBoolean("api.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    assertThat(Files.exists(file)).as("%s exists (write it with -Dapi.update=true)", file).isTrue();
    assertThat(actual)
        .as(
            "the public API differs from %s: if the change is deliberate, run the test with"
                + " -Dapi.update=true and commit the file",
            file)
        .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }

  private static boolean isPublished(Class<?> type) {
    if (type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass()) {
      return false;
    }
    if (type.getPackageName().contains(".internal")) {
      return false;
    }
    for (Class<?> t = type; t != null; t = t.getDeclaringClass()) {
      if (!Modifier.isPublic(t.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static String header(Class<?> type) {
    String kind =
        type.isAnnotation()
            ? "@interface"
            : type.isInterface()
                ? "interface"
                : type.isEnum() ? "enum" : type.isRecord() ? "record" : "class";
    int modifiers = type.getModifiers();
    StringBuilder line = new StringBuilder("public");
    if (type.getDeclaringClass() != null
        && Modifier.isStatic(modifiers)
        && !type.isInterface()
        && !type.isEnum()
        && !type.isRecord()) {
      line.append(" static");
    }
    if (Modifier.isAbstract(modifiers) && !type.isInterface()) {
      line.append(" abstract");
    }
    if (Modifier.isFinal(modifiers) && !type.isEnum() && !type.isRecord()) {
      line.append(" final");
    }
    if (type.isSealed()) {
      line.append(" sealed");
    }
    line.append(' ').append(kind).append(' ').append(type.getTypeName());
    if (type.getGenericSuperclass() != null
        && !type.isEnum()
        && !type.isRecord()
        && type.getSuperclass() != Object.class) {
      line.append(" extends ").append(type.getGenericSuperclass().getTypeName());
    }
    java.lang.reflect.Type[] interfaces = type.getGenericInterfaces();
    if (interfaces.length > 0) {
      line.append(type.isInterface() ? " extends " : " implements ");
      line.append(
          String.join(
              ", ", Stream.of(interfaces).map(java.lang.reflect.Type::getTypeName).toList()));
    }
    return line.toString().strip();
  }

  private static List<String> members(Class<?> type) {
    List<String> members = new ArrayList<>();
    for (Field field : type.getDeclaredFields()) {
      if (visible(field) && !field.isSynthetic()) {
        members.add(field.toGenericString());
      }
    }
    for (Constructor<?> constructor : type.getDeclaredConstructors()) {
      if (visible(constructor) && !constructor.isSynthetic() && !type.isEnum()) {
        members.add(constructor.toGenericString());
      }
    }
    for (Method method : type.getDeclaredMethods()) {
      if (visible(method) && !method.isSynthetic() && !method.isBridge()) {
        members.add(method.toGenericString());
      }
    }
    // The declaring type is the block's header: members name themselves only.
    String prefix = type.getName() + ".";
    List<String> named = new ArrayList<>();
    for (String member : members) {
      named.add(member.replace(prefix, ""));
    }
    named.sort(Comparator.naturalOrder());
    return named;
  }

  private static boolean visible(Member member) {
    return Modifier.isPublic(member.getModifiers()) || Modifier.isProtected(member.getModifiers());
  }

  private static Path locationOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> classNames(Path location) {
    List<String> names = new ArrayList<>();
    try {
      if (Files.isDirectory(location)) {
        try (Stream<Path> files = Files.walk(location)) {
          files
              .filter(p -> p.toString().endsWith(".class"))
              .forEach(p -> names.add(className(location.relativize(p).toString())));
        }
      } else {
        try (ZipFile jar = new ZipFile(location.toFile())) {
          jar.stream()
              .filter(e -> e.getName().endsWith(".class"))
              .forEach(e -> names.add(className(e.getName())));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    names.removeIf(name -> name.endsWith("package-info") || name.endsWith("module-info"));
    return names;
  }

  private static String className(String path) {
    return path.substring(0, path.length() - ".class".length())
        .replace('/', '.')
        .replace('\\', '.');
  }
}
