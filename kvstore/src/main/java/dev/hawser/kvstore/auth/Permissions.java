package dev.hawser.kvstore.auth;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.KeyOrder;
import dev.hawser.proto.authpb.Permission;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Whether a set of key permissions covers a requested key range. A request is allowed only when every key it could
 * touch lies inside the union of the granted intervals of the right type, as in etcd's range-permission cache.
 */
final class Permissions {
    private Permissions() {
    }

    static boolean covers(Collection<Permission> granted, Permission.Type needed, ByteString key, ByteString rangeEnd) {
        KeyInterval want = KeyInterval.of(key, rangeEnd);
        if (want.empty()) {
            // etcd treats a range whose end is not after its start as touching nothing.
            return true;
        }
        List<KeyInterval> have = new ArrayList<>();
        for (Permission p : granted) {
            if (p.getPermType() == needed || p.getPermType() == Permission.Type.READWRITE) {
                KeyInterval i = KeyInterval.of(p.getKey(), p.getRangeEnd());
                if (!i.empty()) {
                    have.add(i);
                }
            }
        }
        have.sort(Comparator.comparing(KeyInterval::start, KeyOrder.UNSIGNED));
        // Sweep from the request's start: each granted interval that begins at or before the covered prefix's end
        // extends it; a gap before the request's end means some key is not granted.
        ByteString reached = want.start();
        for (KeyInterval i : have) {
            if (KeyOrder.UNSIGNED.compare(i.start(), reached) > 0) {
                break;
            }
            if (i.unbounded()) {
                return true;
            }
            if (KeyOrder.UNSIGNED.compare(i.end(), reached) > 0) {
                reached = i.end();
            }
            if (!want.unbounded() && KeyOrder.UNSIGNED.compare(reached, want.end()) >= 0) {
                return true;
            }
        }
        return false;
    }
}
