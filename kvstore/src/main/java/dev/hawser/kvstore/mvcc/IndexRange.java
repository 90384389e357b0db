package dev.hawser.kvstore.mvcc;

import java.util.List;

/**
 * The index's answer to a range read.
 *
 * @param revisions the records to fetch, in key order, at most the limit
 * @param total     keys in the range, not reduced by the limit
 */
record IndexRange(List<Revision> revisions, long total) {
}
