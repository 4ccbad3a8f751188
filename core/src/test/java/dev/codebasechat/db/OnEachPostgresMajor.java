package dev.codebasechat.db;

import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs the annotated test once per {@link PostgresMajor}; the test method takes the major as its
 * only parameter and gets its database from {@link EmbeddedSupabase#on(PostgresMajor)}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@EnumSource(PostgresMajor.class)
public @interface OnEachPostgresMajor {}
