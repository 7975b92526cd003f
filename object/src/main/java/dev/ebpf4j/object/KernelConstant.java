package dev.ebpf4j.object;

import java.util.Locale;
import java.util.Optional;

/**
 * A constant of one of the kernel's UAPI enums, declared in the kernel's order so that its ordinal is the kernel's
 * number, and named so that its lower-case name is what bpftool prints.
 */
public interface KernelConstant {

    int ordinal();

    String name();

    /** The kernel's number for this constant. */
    default int value() {
        return ordinal();
    }

    /** The name bpftool prints, e.g. {@code sched_cls}, {@code ringbuf}, {@code cgroup_inet_ingress}. */
    default String bpftoolName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} with kernel number {@code value}, if this library knows it. */
    static <E extends Enum<E> & KernelConstant> Optional<E> of(Class<E> type, int value) {
        E[] all = type.getEnumConstants();
        return value >= 0 && value < all.length ? Optional.of(all[value]) : Optional.empty();
    }

    /** The constant of {@code type} bpftool calls {@code name} (case-insensitive), if any. */
    static <E extends Enum<E> & KernelConstant> Optional<E> byBpftoolName(Class<E> type, String name) {
        for (E e : type.getEnumConstants()) {
            if (e.bpftoolName().equalsIgnoreCase(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** bpftool's name for kernel number {@code value} of {@code type}, or {@code type N} when unknown. */
    static <E extends Enum<E> & KernelConstant> String describe(Class<E> type, int value) {
        return of(type, value).map(KernelConstant::bpftoolName).orElse("type " + value);
    }
}
