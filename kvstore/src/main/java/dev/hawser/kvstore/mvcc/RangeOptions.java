package dev.hawser.kvstore.mvcc;

/**
 * @param limit     at most this many keys in {@link RangeResult#kvs()}; 0 or less means no limit
 * @param rev       the revision to read at; 0 or less means the view's current revision
 * @param countOnly return only {@link RangeResult#count()}, no key/values
 */
public record RangeOptions(long limit, long rev, boolean countOnly) {
    public static final RangeOptions ALL = new RangeOptions(0, 0, false);
}
