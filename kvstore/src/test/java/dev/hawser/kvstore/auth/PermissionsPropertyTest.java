package dev.hawser.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.KeyOrder;
import dev.hawser.proto.authpb.Permission;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link Permissions#covers} against an independent oracle. Over half-open intervals, if some requested key is not
 * granted then the smallest such key is the request's start or the end of a granted interval; so checking just those
 * candidate keys decides coverage exactly, with no sweep.
 */
class PermissionsPropertyTest {
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  @Property(tries = 2000)
  void coverageMatchesTheCandidateKeyOracle(
      @ForAll("permissions") List<Permission> granted,
      @ForAll("keys") ByteString key,
      @ForAll("ends") ByteString end,
      @ForAll("types") Permission.Type needed) {
    assertEquals(oracle(granted, needed, key, end), Permissions.covers(granted, needed, key, end));
  }

  @Test
  void aFromKeyRequestIsNotASingleKey() {
    List<Permission> oneKey = List.of(perm(Permission.Type.READ, "/app/k", ""));
    assertTrue(Permissions.covers(oneKey, Permission.Type.READ, bs("/app/k"), ByteString.EMPTY));
    assertFalse(Permissions.covers(oneKey, Permission.Type.READ, bs("/app/k"), ZERO));
  }

  @Test
  void adjacentGrantsCoverTheirUnion() {
    List<Permission> two = List.of(perm(Permission.Type.READ, "a", "c"), perm(Permission.Type.READWRITE, "c", "e"));
    assertTrue(Permissions.covers(two, Permission.Type.READ, bs("b"), bs("d")));
    assertFalse(Permissions.covers(two, Permission.Type.WRITE, bs("b"), bs("d")));
    assertFalse(Permissions.covers(two, Permission.Type.READ, bs("b"), bs("f")));
  }

  private static boolean oracle(List<Permission> granted, Permission.Type needed, ByteString key, ByteString end) {
    KeyInterval want = KeyInterval.of(key, end);
    if (want.empty()) {
      return true;
    }
    List<KeyInterval> have = new ArrayList<>();
    for (Permission p : granted) {
      if (p.getPermType() == needed || p.getPermType() == Permission.Type.READWRITE) {
        have.add(KeyInterval.of(p.getKey(), p.getRangeEnd()));
      }
    }
    List<ByteString> candidates = new ArrayList<>();
    candidates.add(want.start());
    for (KeyInterval i : have) {
      if (!i.unbounded()) {
        candidates.add(i.end());
      }
    }
    for (ByteString c : candidates) {
      if (inside(want, c) && have.stream().noneMatch(i -> inside(i, c))) {
        return false;
      }
    }
    return true;
  }

  private static boolean inside(KeyInterval i, ByteString k) {
    return KeyOrder.UNSIGNED.compare(i.start(), k) <= 0 && (i.unbounded() || KeyOrder.UNSIGNED.compare(k, i.end()) < 0);
  }

  @Provide
  Arbitrary<List<Permission>> permissions() {
    return Combinators.combine(types(), keys(), ends())
        .as((t, k, e) -> Permission.newBuilder().setPermType(t).setKey(k).setRangeEnd(e).build())
        .list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<Permission.Type> types() {
    return Arbitraries.of(Permission.Type.READ, Permission.Type.WRITE, Permission.Type.READWRITE);
  }

  @Provide
  Arbitrary<ByteString> keys() {
    return Arbitraries.strings().withChars('a', 'b', 'c').ofMinLength(0).ofMaxLength(3).map(PermissionsPropertyTest::bs);
  }

  @Provide
  Arbitrary<ByteString> ends() {
    return Arbitraries.oneOf(Arbitraries.just(ByteString.EMPTY), Arbitraries.just(ZERO), keys());
  }

  private static Permission perm(Permission.Type type, String key, String end) {
    return Permission.newBuilder().setPermType(type).setKey(bs(key)).setRangeEnd(bs(end)).build();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
