package dev.codebasechat.bench;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The machine a run happened on, stated next to the figures. */
public record Machine(
    int cores, String jdk, String os, String startedAt, double loadAverageAtStart) {

  /** "2 cores, JDK, OS; load average 1.0 at the start", for a report's first lines. */
  String summary() {
    return String.format(
        java.util.Locale.ROOT,
        "%d cores, %s, %s; load average %.1f at the start",
        cores,
        jdk,
        os,
        loadAverageAtStart);
  }

  static Machine current() {
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now()),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
