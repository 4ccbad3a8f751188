package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static dev.codebasechat.postgrest.PostgrestFixtures.queryOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Untrusted values can never change the shape of a query (reference/postgrest.md §1.5–1.6): each
 * filter stays one query parameter whose decoded value is exactly {@code op.value}, list elements
 * parse back to exactly the values given, and names that would shape the query are refused before
 * anything is sent.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FilterInjectionTest {
  @RegisterExtension static FakePostgrest wm = new FakePostgrest();

  static Stream<String> hostileValues() {
    return Stream.of(
        "a,b",
        "x)",
        "(y",
        "a\"b",
        "\"quoted\"",
        "back\\slash",
        "tail\\",
        "open&select=*",
        "open&select=*,secret_table(*)&limit=100000",
        "x*,user_id.not.is.null,title.eq.x",
        "*",
        "100%",
        "%22",
        "%26select%3D*",
        "_",
        "a=b",
        "#fragment",
        "?q=1",
        "a+b c",
        "../../rpc/x",
        "line\nbreak\ttab",
        "é",
        "💬 chat",
        "",
        "x".repeat(10_000));
  }

  @ParameterizedTest
  @MethodSource("hostileValues")
  void eq_hostileValue_staysOneParameterVerbatim(String value) {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*")));

    wm.user().from(TABLE).select("session_id").eq("session_id", value).execute();

    assertThat(queryOf(wm))
        .containsExactly(
            entry("select", List.of("session_id")), entry("session_id", List.of("eq." + value)));
  }

  @ParameterizedTest
  @MethodSource("hostileValues")
  void in_hostileValue_parsesBackToTheSameElements(String value) {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*")));

    wm.user().from(TABLE).select("session_id").in("session_id", List.of(value, "other")).execute();

    Map<String, List<String>> query = queryOf(wm);
    assertThat(query).containsOnlyKeys("select", "session_id");
    assertThat(query.get("session_id")).hasSize(1);
    assertThat(parseInList(query.get("session_id").get(0))).containsExactly(value, "other");
  }

  @Test
  void in_quoteAndComma_areQuotedAndEscaped() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*")));

    wm.user().from(TABLE).select().in("repo", List.of("a\"b", "c,d", "e\\f")).execute();

    assertThat(queryOf(wm).get("repo")).containsExactly("in.(\"a\\\"b\",\"c,d\",\"e\\\\f\")");
  }

  @Test
  void update_hostileValue_staysInItsFilter() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.noContent()));

    wm.user()
        .from(TABLE)
        .update(Map.of("repo", "r"))
        .eq("session_id", "s1&user_id=neq.x")
        .execute();

    assertThat(queryOf(wm)).containsExactly(entry("session_id", List.of("eq.s1&user_id=neq.x")));
  }

  static Stream<ThrowingCallable> hostileNames() {
    return Stream.of(
        () -> wm.user().from("sessions?select=*"),
        () -> wm.user().from("a/b"),
        () -> wm.user().from(""),
        () -> wm.user().from("x".repeat(64)),
        () -> wm.user().rpc("../admin"),
        () -> wm.user().rpc("fn(1)"),
        () -> wm.user().from(TABLE).select("*&limit=1"),
        () -> wm.user().from(TABLE).select("a\"b"),
        () -> wm.user().from(TABLE).select("a%2Cb"),
        () -> wm.user().from(TABLE).select().eq("user_id=eq.x&a", "v"),
        () -> wm.user().from(TABLE).select().eq("a.b", "v"),
        () -> wm.user().from(TABLE).select().in("or", List.of("v")),
        () -> wm.user().from(TABLE).select().order("a,b", SortOrder.ASCENDING),
        () -> wm.user().from(TABLE).select().order("a.desc", SortOrder.ASCENDING),
        () -> wm.user().from(TABLE).upsert(Map.of("a", 1), "a,b"),
        () -> wm.user().from(TABLE).delete().is("é", IsValue.NULL));
  }

  @ParameterizedTest
  @MethodSource("hostileNames")
  void name_fromData_isRefusedBeforeSending(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
    assertThat(wm.getAllServeEvents()).isEmpty();
  }

  @Test
  void eq_nullValue_isRefusedWithPointerToIs() {
    assertThatThrownBy(() -> wm.user().from(TABLE).select().eq("repo", nullValue()))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("is(column, IsValue.NULL)");
  }

  @SuppressWarnings("NullAway")
  private static Object nullValue() {
    return null;
  }

  /**
   * PostgREST's {@code in.(…)} grammar (§1.5): elements end at {@code ,} or {@code )}; a quoted
   * element may hold anything, with {@code \"} and {@code \\} escapes.
   */
  private static List<String> parseInList(String param) {
    assertThat(param).startsWith("in.(").endsWith(")");
    String s = param.substring(4, param.length() - 1);
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i <= s.length()) {
      StringBuilder el = new StringBuilder();
      if (i < s.length() && s.charAt(i) == '"') {
        i++;
        while (s.charAt(i) != '"') {
          if (s.charAt(i) == '\\') {
            i++;
          }
          el.append(s.charAt(i++));
        }
        i++;
      } else {
        while (i < s.length() && s.charAt(i) != ',') {
          el.append(s.charAt(i++));
        }
      }
      out.add(el.toString());
      if (i < s.length()) {
        assertThat(s.charAt(i)).as("separator").isEqualTo(',');
      }
      i++;
    }
    return out;
  }
}
