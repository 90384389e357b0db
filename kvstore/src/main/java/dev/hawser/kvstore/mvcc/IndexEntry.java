package dev.hawser.kvstore.mvcc;

/**
 * A key as the index sees it at some revision.
 *
 * @param modified       the revision of its record in the {@code key} column family
 * @param createRevision main revision of the put that created this incarnation of the key
 * @param version        number of puts since that creation
 */
record IndexEntry(Revision modified, long createRevision, long version) {
}
