package dev.hawser.kvstore.mvcc;

import dev.hawser.proto.mvccpb.KeyValue;
import java.util.List;

/**
 * @param kvs   the key/values found, sorted by key ascending; empty for count-only reads
 * @param rev   the view's current revision, also for reads at an older revision (etcd puts it in the header)
 * @param count the number of keys in the range at the revision read, not reduced by the limit
 */
public record RangeResult(List<KeyValue> kvs, long rev, long count) {
}
