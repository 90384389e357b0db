package dev.hawser.jepsen.fault;

import dev.hawser.jepsen.cluster.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Alternates healthy periods with one fault at a time, chosen from a seeded Random: the order of
 * fault kinds (each enabled kind once per round, shuffled), the variant and the target are all
 * decided by the seed; only the member that is leader at that moment depends on the run.
 *
 * <p>Kinds: {@code kill} (SIGKILL leader / random / all, then restart), {@code pause} (SIGSTOP
 * leader or random, then SIGCONT), {@code partition} (majority/minority, isolated leader,
 * bridge), {@code member} (remove a follower, then add a fresh member), {@code restart} (stop
 * and start every member).
 */
public final class Nemesis {
    private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);

    private final Cluster cluster;
    private final List<String> kinds;
    private final Random random;
    private final LongSupplier clock;
    private final long healthyMillis;
    private final long faultMillis;
    private final List<FaultEvent> events = new CopyOnWriteArrayList<>();

    public Nemesis(Cluster cluster, List<String> kinds, long seed, LongSupplier clock, long healthyMillis, long faultMillis) {
        this.cluster = cluster;
        this.kinds = List.copyOf(kinds);
        this.random = new Random(seed);
        this.clock = clock;
        this.healthyMillis = healthyMillis;
        this.faultMillis = faultMillis;
    }

    public List<FaultEvent> events() {
        return List.copyOf(events);
    }

    /** Runs the schedule until {@code deadlineNanos} (run clock), then leaves the cluster healed and healthy. */
    public void run(long deadlineNanos) throws Exception {
        List<String> round = new ArrayList<>();
        java.util.Set<String> done = new java.util.HashSet<>();
        // Runs until the deadline, and in any case until every enabled kind was injected once.
        while (clock.getAsLong() < deadlineNanos || !done.containsAll(kinds)) {
            sleep(healthyMillis / 2 + random.nextInt((int) Math.max(1, healthyMillis)));
            if (kinds.isEmpty()) {
                break;
            }
            if (round.isEmpty()) {
                round.addAll(kinds);
                Collections.shuffle(round, random);
            }
            String kind = round.remove(0);
            long hold = faultMillis / 2 + random.nextInt((int) Math.max(1, faultMillis));
            try {
                inject(kind, hold);
            } catch (Exception e) {
                // A fault that could not be applied (or undone) is recorded, then everything is healed.
                LOG.warn("nemesis: {} failed: {}", kind, e.toString());
                events.add(new FaultEvent(kind, "FAILED to inject: " + e, clock.getAsLong(), clock.getAsLong()));
                cluster.healNetwork();
                for (String n : cluster.names()) {
                    cluster.resume(n);
                    if (!cluster.member(n).isRunning()) {
                        cluster.restart(n);
                    }
                }
            }
            done.add(kind);
            cluster.awaitHealthy(Duration.ofSeconds(120));
        }
    }

    private void inject(String kind, long holdMillis) throws Exception {
        List<String> names = cluster.names();
        String leader = cluster.leader().orElse(names.get(0));
        long start = clock.getAsLong();
        String detail;
        switch (kind) {
            case "kill": {
                int variant = random.nextInt(3);
                List<String> victims = variant == 0 ? List.of(leader)
                        : variant == 1 ? List.of(names.get(random.nextInt(names.size()))) : names;
                detail = "kill -9 " + (variant == 0 ? "leader " : variant == 1 ? "random " : "all ") + victims;
                LOG.info("nemesis: {}", detail);
                victims.forEach(cluster::kill);
                sleep(holdMillis);
                victims.forEach(cluster::restart);
                break;
            }
            case "pause": {
                String victim = random.nextBoolean() ? leader : names.get(random.nextInt(names.size()));
                detail = "SIGSTOP " + victim + (victim.equals(leader) ? " (leader)" : "");
                LOG.info("nemesis: {}", detail);
                cluster.pause(victim);
                sleep(holdMillis);
                cluster.resume(victim);
                break;
            }
            case "partition": {
                int variant = random.nextInt(3);
                List<String> shuffled = new ArrayList<>(names);
                Collections.shuffle(shuffled, random);
                if (variant == 0) {
                    List<String> minority = shuffled.subList(0, names.size() / 2);
                    List<String> majority = shuffled.subList(names.size() / 2, names.size());
                    detail = "partition minority " + minority + " | majority " + majority;
                    cluster.cut(minority, majority);
                } else if (variant == 1) {
                    List<String> rest = new ArrayList<>(names);
                    rest.remove(leader);
                    detail = "isolate leader " + leader;
                    cluster.cut(List.of(leader), rest);
                } else {
                    // bridge: two halves that only the bridge member can talk to both of
                    String bridge = shuffled.get(0);
                    List<String> rest = shuffled.subList(1, shuffled.size());
                    List<String> a = rest.subList(0, rest.size() / 2);
                    List<String> b = rest.subList(rest.size() / 2, rest.size());
                    detail = "bridge " + bridge + " between " + a + " and " + b;
                    cluster.cut(a, b);
                }
                LOG.info("nemesis: {}", detail);
                sleep(holdMillis);
                cluster.healNetwork();
                break;
            }
            case "member": {
                // Removing a follower: ask again who leads right now (a stale answer would remove the leader).
                String current = cluster.leader().orElse(leader);
                List<String> followers = new ArrayList<>(names);
                followers.remove(current);
                String victim = followers.get(random.nextInt(followers.size()));
                detail = "remove " + victim;
                LOG.info("nemesis: {}", detail);
                cluster.removeMember(victim);
                sleep(holdMillis);
                String added = cluster.addMember();
                detail += ", add " + added;
                LOG.info("nemesis: added {}", added);
                break;
            }
            case "restart": {
                detail = "full restart " + names;
                LOG.info("nemesis: {}", detail);
                cluster.fullRestart();
                break;
            }
            default:
                throw new IllegalArgumentException("unknown fault " + kind);
        }
        events.add(new FaultEvent(kind, detail, start, clock.getAsLong()));
    }

    /** Records a fault driven from outside (a scenario), so it shows in the report. */
    public static FaultEvent record(String kind, String detail, long start, long end) {
        return new FaultEvent(kind, detail, start, end);
    }

    private static void sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }
}
