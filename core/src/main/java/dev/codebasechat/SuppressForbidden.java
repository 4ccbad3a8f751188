package dev.codebasechat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Lets forbidden-apis accept the annotated member's use of a banned clock or sleep call. Used only
 * by {@link SystemTime}, the one place main code may touch the real clock.
 */
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.CONSTRUCTOR})
@interface SuppressForbidden {}
