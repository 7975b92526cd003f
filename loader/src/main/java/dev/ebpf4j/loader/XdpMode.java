package dev.ebpf4j.loader;

/** Where an XDP program runs: the driver's choice, generic (skb) mode, native driver mode, or offloaded to the NIC. */
public enum XdpMode {
    /** The driver's native mode when it has one, else generic. */
    AUTO(0),
    /** {@code XDP_FLAGS_SKB_MODE}: after the skb is built; works on every interface. */
    GENERIC(1 << 1),
    /** {@code XDP_FLAGS_DRV_MODE}: in the driver. */
    DRIVER(1 << 2),
    /** {@code XDP_FLAGS_HW_MODE}: on the NIC. */
    OFFLOAD(1 << 3);

    private final int flags;

    XdpMode(int flags) {
        this.flags = flags;
    }

    /** The {@code XDP_FLAGS_*} mode bit. */
    public int flags() {
        return flags;
    }
}
