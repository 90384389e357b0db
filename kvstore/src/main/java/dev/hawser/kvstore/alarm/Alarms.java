package dev.hawser.kvstore.alarm;

import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.proto.etcdserverpb.AlarmMember;
import dev.hawser.proto.etcdserverpb.AlarmType;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The cluster's active alarms, replicated through Raft like etcd's alarm store: one entry
 * per (member, alarm type), kept in the ALARM column family. While any NOSPACE alarm is
 * active, every member refuses requests that would grow the database.
 */
public final class Alarms {
    /** key: member ID and alarm type, in a stable order for listings */
    private final Map<String, AlarmMember> active = new ConcurrentSkipListMap<>();

    public void restore(Backend backend) {
        active.clear();
        backend.scan(Cf.ALARM, null, null, (k, v) -> {
            AlarmMember a = decode(k);
            active.put(name(a), a);
            return true;
        });
    }

    /** Applies an activation; returns false if it was active already. */
    public boolean activate(BatchTx batch, long memberId, AlarmType type) {
        AlarmMember a = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(type).build();
        batch.put(Cf.ALARM, encode(a), new byte[0]);
        return active.put(name(a), a) == null;
    }

    /** Applies a deactivation; returns the alarm that was removed, or null. */
    public AlarmMember deactivate(BatchTx batch, long memberId, AlarmType type) {
        AlarmMember a = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(type).build();
        batch.delete(Cf.ALARM, encode(a));
        return active.remove(name(a));
    }

    public List<AlarmMember> list(long memberId, AlarmType type) {
        List<AlarmMember> out = new ArrayList<>();
        for (AlarmMember a : active.values()) {
            boolean memberMatches = memberId == 0 || a.getMemberID() == memberId;
            boolean typeMatches = type == AlarmType.NONE || a.getAlarm() == type;
            if (memberMatches && typeMatches) {
                out.add(a);
            }
        }
        return out;
    }

    public boolean noSpace() {
        for (AlarmMember a : active.values()) {
            if (a.getAlarm() == AlarmType.NOSPACE) {
                return true;
            }
        }
        return false;
    }

    /** etcd's text for Status.errors, e.g. "memberID:9372538179322589801 alarm:NOSPACE ". */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (AlarmMember a : active.values()) {
            out.add("memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:" + a.getAlarm().name() + " ");
        }
        return out;
    }

    private static String name(AlarmMember a) {
        return Long.toHexString(a.getMemberID()) + "/" + a.getAlarm().getNumber();
    }

    private static byte[] encode(AlarmMember a) {
        return ByteBuffer.allocate(Long.BYTES + Integer.BYTES).putLong(a.getMemberID()).putInt(a.getAlarm().getNumber()).array();
    }

    private static AlarmMember decode(byte[] k) {
        ByteBuffer b = ByteBuffer.wrap(k);
        return AlarmMember.newBuilder().setMemberID(b.getLong()).setAlarm(AlarmType.forNumber(b.getInt())).build();
    }
}
