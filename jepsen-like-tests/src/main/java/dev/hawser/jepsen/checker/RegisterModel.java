package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.Operation;

import java.util.Objects;
import java.util.Optional;

/**
 * A single register holding a long or nothing (the key is absent). Operations: {@code read}
 * (completion value = what was seen, null = absent), {@code write v}, {@code cas expected -> v}
 * (an OK completion means the compare held; a CAS whose compare failed is recorded as FAIL
 * and dropped before checking, since it changed nothing).
 */
public final class RegisterModel implements Model<RegisterModel.State> {
    /** The register's value; {@code present=false} means the key does not exist. */
    public record State(boolean present, long value) {
        static final State ABSENT = new State(false, 0);

        @Override
        public String toString() {
            return present ? Long.toString(value) : "nil";
        }
    }

    @Override
    public State init() {
        return State.ABSENT;
    }

    @Override
    public Optional<State> step(State state, Operation op) {
        Op inv = op.invoke();
        switch (inv.f()) {
            case "read": {
                if (op.indeterminate()) {
                    return Optional.of(state);
                }
                Long seen = op.completion().value();
                boolean ok = seen == null ? !state.present() : state.present() && state.value() == seen;
                return ok ? Optional.of(state) : Optional.empty();
            }
            case "write":
                return Optional.of(new State(true, inv.value()));
            case "cas": {
                boolean holds = state.present() && Objects.equals(state.value(), inv.expected());
                if (op.indeterminate()) {
                    return Optional.of(holds ? new State(true, inv.value()) : state);
                }
                return holds ? Optional.of(new State(true, inv.value())) : Optional.empty();
            }
            default:
                throw new IllegalArgumentException("register has no operation " + inv.f());
        }
    }

    @Override
    public boolean droppable(Operation op) {
        return op.invoke().f().equals("read") && op.indeterminate();
    }
}
