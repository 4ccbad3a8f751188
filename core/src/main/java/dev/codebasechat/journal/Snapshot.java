package dev.codebasechat.journal;

import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

/**
 * The local copy of one key's state as last confirmed by the database, kept by a {@link Journal} so
 * a read can be answered while the database is away. The JSON is opaque to the journal and copied
 * in and out.
 *
 * @param version the database's version of that state
 * @param touchedAt when it was last written with {@link Journal#putSnapshot}, by the journal's
 *     clock
 */
// The array is copied in and out and compared by content (equals, hashCode below).
@SuppressWarnings("ArrayRecordComponent")
public record Snapshot(String key, UUID owner, long version, byte[] json, Instant touchedAt) {

  public Snapshot {
    json = json.clone();
  }

  @Override
  public byte[] json() {
    return json.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Snapshot that
        && key.equals(that.key)
        && owner.equals(that.owner)
        && version == that.version
        && Arrays.equals(json, that.json)
        && touchedAt.equals(that.touchedAt);
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Arrays.hashCode(json);
  }

  @Override
  public String toString() {
    return "Snapshot[key="
        + key
        + ", owner="
        + owner
        + ", version="
        + version
        + ", json="
        + json.length
        + " bytes, touchedAt="
        + touchedAt
        + "]";
  }
}
