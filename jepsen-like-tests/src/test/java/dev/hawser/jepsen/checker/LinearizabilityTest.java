package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearizabilityTest {
    private static CheckResult check(Histories h) {
        return new Linearizability<>(new RegisterModel(), 5_000, 1_000_000).checkPartition("t", "k", h.ops());
    }

    @Test
    void sequentialHistoryIsLinearizable() {
        assertEquals(CheckResult.Verdict.OK, check(new Histories().read(0, 1, 0, null).write(2, 3, 0, 1).read(4, 5, 1, 1L)).verdict());
    }

    @Test
    void staleReadAfterCompletedWriteIsRejected() {
        CheckResult r = check(new Histories().write(0, 1, 0, 1).write(2, 3, 0, 2).read(4, 5, 1, 1L));
        assertEquals(CheckResult.Verdict.ILLEGAL, r.verdict());
        // write 2 then read 1 already suffices: 1 cannot be read once 2 has been acknowledged with nothing after it
        assertTrue(r.subHistory().size() <= 6, "minimal: " + r.subHistory());
        assertTrue(r.subHistory().stream().anyMatch(op -> op.f().equals("read") && Long.valueOf(1).equals(op.value())
                && op.type() == Op.Type.OK));
    }

    @Test
    void lostWriteIsRejected() {
        // write 2 was acknowledged, yet a later read sees the value it overwrote... and then nothing at all
        CheckResult r = check(new Histories().write(0, 1, 0, 1).write(2, 3, 1, 2).read(4, 5, 2, null));
        assertEquals(CheckResult.Verdict.ILLEGAL, r.verdict());
    }

    @Test
    void duplicatedWriteIsRejected() {
        // value 1 reappears after 2 replaced it: a write applied twice
        CheckResult r = check(new Histories().write(0, 1, 0, 1).write(2, 3, 0, 2).read(4, 5, 1, 2L).read(6, 7, 1, 1L));
        assertEquals(CheckResult.Verdict.ILLEGAL, r.verdict());
        assertTrue(r.subHistory().size() <= 8);
    }

    @Test
    void readOfNeverWrittenValueIsRejected() {
        assertEquals(CheckResult.Verdict.ILLEGAL, check(new Histories().write(0, 1, 0, 1).read(2, 3, 1, 7L)).verdict());
    }

    @Test
    void concurrentReadMaySeeEitherValue() {
        Histories h = new Histories().write(0, 1, 0, 1)
                .invoke(2, 0, "write", 2L, null)
                .read(3, 4, 1, 1L).read(5, 6, 2, 2L).read(7, 8, 1, 2L)
                .complete(10, 0, Op.Type.OK, "write", 2L);
        assertEquals(CheckResult.Verdict.OK, check(h).verdict());
    }

    @Test
    void concurrentReadsCannotFlipBack() {
        Histories h = new Histories().write(0, 1, 0, 1)
                .invoke(2, 0, "write", 2L, null)
                .read(3, 4, 1, 2L).read(5, 6, 2, 1L)
                .complete(10, 0, Op.Type.OK, "write", 2L);
        assertEquals(CheckResult.Verdict.ILLEGAL, check(h).verdict());
    }

    @Test
    void indeterminateWriteMayTakeEffectLater() {
        Histories h = new Histories().write(0, 1, 0, 1)
                .invoke(2, 0, "write", 2L, null).complete(3, 0, Op.Type.INFO, "write", 2L)
                .read(4, 5, 1, 1L).read(20, 21, 1, 2L).read(22, 23, 2, 2L);
        assertEquals(CheckResult.Verdict.OK, check(h).verdict());
    }

    @Test
    void indeterminateWriteMayNeverTakeEffect() {
        Histories h = new Histories().write(0, 1, 0, 1)
                .invoke(2, 0, "write", 2L, null).complete(3, 0, Op.Type.INFO, "write", 2L)
                .read(20, 21, 1, 1L);
        assertEquals(CheckResult.Verdict.OK, check(h).verdict());
    }

    @Test
    void failedWriteMustNotBeVisible() {
        Histories h = new Histories().write(0, 1, 0, 1)
                .invoke(2, 0, "write", 2L, null).complete(3, 0, Op.Type.FAIL, "write", 2L)
                .read(4, 5, 1, 2L);
        assertEquals(CheckResult.Verdict.ILLEGAL, check(h).verdict());
    }

    @Test
    void casSucceedsOnlyOnExpectedValue() {
        Histories ok = new Histories().write(0, 1, 0, 1)
                .invoke(2, 0, "cas", 5L, 1L).complete(3, 0, Op.Type.OK, "cas", 5L).read(4, 5, 1, 5L);
        assertEquals(CheckResult.Verdict.OK, check(ok).verdict());
        Histories bad = new Histories().write(0, 1, 0, 1)
                .invoke(2, 0, "cas", 5L, 9L).complete(3, 0, Op.Type.OK, "cas", 5L);
        assertEquals(CheckResult.Verdict.ILLEGAL, check(bad).verdict());
    }

    @Test
    void tooLargeSearchReportsUnknownNotPass() {
        // Many concurrent indeterminate writes and a read nobody wrote: the bound trips first.
        Histories h = new Histories();
        for (int p = 0; p < 40; p++) {
            h.invoke(0, p, "write", (long) p, null).complete(1, p, Op.Type.INFO, "write", (long) p);
        }
        h.read(2, 3, 100, 999L);
        CheckResult r = new Linearizability<>(new RegisterModel(), 200, 50_000).checkPartition("t", "k", h.ops());
        assertTrue(r.verdict() != CheckResult.Verdict.OK, "must not pass: " + r);
    }

    @Test
    void partitionsAreCheckedPerKey() {
        List<Op> ops = new ArrayList<>();
        ops.add(new Op(0, 0, Op.Type.INVOKE, "write", "a", 1L, null, null, 0, "n1", null));
        ops.add(new Op(1, 0, Op.Type.OK, "write", "a", 1L, null, null, 1, "n1", null));
        ops.add(new Op(2, 1, Op.Type.INVOKE, "read", "b", null, null, null, 2, "n1", null));
        ops.add(new Op(3, 1, Op.Type.OK, "read", "b", null, null, null, 3, "n1", null));
        List<CheckResult> rs = new Linearizability<>(new RegisterModel(), 1_000, 10_000).check("t", ops, Op::key);
        assertEquals(2, rs.size());
        assertTrue(rs.stream().allMatch(CheckResult::isOk));
    }
}
