package dev.hawser.kvstore.raft;

/**
 * When the leader tells one follower about a commit with an empty AppendEntries (see {@link CommitPushingGrpc}).
 * Each commit index goes to the follower once, and only once the follower can use it: a Ratis follower commits no
 * further than the entries it has flushed, which it reports as its match index in its replies.
 *
 * <p>Ratis wakes a log appender on every reply, every new entry and every commit, while the follower's commit index
 * that the leader knows only moves when a reply comes back. Pushing whenever that looked behind sent about four
 * empty AppendEntries per write to each follower under load, each one answered. Used by one appender thread.
 */
final class CommitPushes {
    /** The highest commit index that what was already sent will let the follower reach. */
    private long told;

    /** Whether an empty AppendEntries now would let the follower commit further than it will anyway. */
    boolean worthPushing(long leaderCommit, long followerMatch, long followerCommit) {
        return Math.min(leaderCommit, followerMatch) > Math.max(told, followerCommit);
    }

    /**
     * Records an AppendEntries sent to the follower. {@code flushedAfter} is its last entry's index, or the
     * follower's match index for one without entries.
     */
    void sent(long leaderCommit, long flushedAfter) {
        told = Math.max(told, Math.min(leaderCommit, flushedAfter));
    }
}
