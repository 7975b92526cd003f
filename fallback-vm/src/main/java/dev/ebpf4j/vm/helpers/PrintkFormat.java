package dev.ebpf4j.vm.helpers;

import java.nio.charset.StandardCharsets;

import dev.ebpf4j.vm.memory.AddressSpace;

/**
 * The kernel's {@code bpf_trace_printk} format checking and formatting: conversions {@code %d %i %u %x
 * %X %c %s %p} (with {@code %px %pK %pI4 %pi4}) and {@code %%}; the flags {@code 0 + - space}
 * and a width; the length modifiers {@code h hh l ll z}. Without {@code l} an integer conversion uses the
 * low 32 bits of its argument, as the kernel's {@code bstr_printf} does. A format the kernel refuses
 * (more conversions than arguments, an unknown conversion, non-printable characters, no NUL) gives null.
 */
public final class PrintkFormat {
    private PrintkFormat() {}

    /** Most bytes a {@code %s} argument contributes. */
    public static final int MAX_STRING = 512;

    /** Formats {@code fmt} (without its NUL) with {@code args}; {@code memory} is read for {@code %s}/{@code %pI4}. */
    public static String format(byte[] fmt, long[] args, AddressSpace memory) {
        StringBuilder out = new StringBuilder();
        int argIndex = 0;
        int n = fmt.length;
        for (int i = 0; i < n; i++) {
            int c = fmt[i] & 0xff;
            if (!isPrint(c) && !isSpace(c)) {
                return null;
            }
            if (c != '%') {
                out.append((char) c);
                continue;
            }
            if (i + 1 < n && fmt[i + 1] == '%') {
                out.append('%');
                i++;
                continue;
            }
            if (argIndex >= args.length) {
                return null;
            }
            i++;
            boolean left = false;
            boolean zero = false;
            boolean plus = false;
            boolean space = false;
            while (i < n && (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ')) {
                switch (fmt[i]) {
                    case '0' -> zero = true;
                    case '+' -> plus = true;
                    case '-' -> left = true;
                    default -> space = true;
                }
                i++;
            }
            int width = 0;
            while (i < n && fmt[i] >= '0' && fmt[i] <= '9') {
                width = Math.min(1000, width * 10 + (fmt[i] - '0'));
                i++;
            }
            if (i >= n) {
                return null;
            }
            long arg = args[argIndex++];
            String body;
            char conv = (char) fmt[i];
            if (conv == 'p') {
                char sub = i + 1 < n ? (char) fmt[i + 1] : 0;
                if (sub == 'I' || sub == 'i') {
                    if (i + 2 >= n || fmt[i + 2] != '4') {
                        return null;
                    }
                    i += 2;
                    byte[] ip = safeRead(memory, arg, 4);
                    if (ip == null) {
                        body = "(efault)";
                    } else {
                        String f = sub == 'I' ? "%d.%d.%d.%d" : "%03d.%03d.%03d.%03d";
                        body = String.format(f, ip[0] & 0xff, ip[1] & 0xff, ip[2] & 0xff, ip[3] & 0xff);
                    }
                } else {
                    if (sub == 'x' || sub == 'K') {
                        i++;
                    } else if (Character.isLetterOrDigit(sub)) {
                        return null;
                    }
                    body = String.format("%016x", arg);
                }
                out.append(pad(body, width, left, false));
                continue;
            }
            if (conv == 's') {
                byte[] s = memory.readCString(arg, MAX_STRING);
                body = s == null ? "" : new String(s, StandardCharsets.ISO_8859_1);
                out.append(pad(body, width, left, false));
                continue;
            }
            if (conv == 'c') {
                out.append(pad(String.valueOf((char) (arg & 0xff)), width, left, false));
                continue;
            }
            int bits = 32;
            if (conv == 'l') {
                bits = 64;
                i++;
                if (i < n && fmt[i] == 'l') {
                    i++;
                }
            } else if (conv == 'z') {
                bits = 64;
                i++;
            } else if (conv == 'h') {
                bits = 16;
                i++;
                if (i < n && fmt[i] == 'h') {
                    bits = 8;
                    i++;
                }
            }
            if (i >= n) {
                return null;
            }
            conv = (char) fmt[i];
            long mask = bits == 64 ? -1L : (1L << bits) - 1;
            long unsigned = arg & mask;
            long signed = bits == 64 ? arg : (arg << (64 - bits)) >> (64 - bits);
            switch (conv) {
                case 'd', 'i' -> {
                    body = Long.toString(signed);
                    if (signed >= 0 && plus) {
                        body = "+" + body;
                    } else if (signed >= 0 && space) {
                        body = " " + body;
                    }
                }
                case 'u' -> body = Long.toUnsignedString(unsigned);
                case 'x' -> body = Long.toHexString(unsigned);
                case 'X' -> body = Long.toHexString(unsigned).toUpperCase(java.util.Locale.ROOT);
                default -> {
                    return null;
                }
            }
            out.append(pad(body, width, left, zero));
        }
        return out.toString();
    }

    private static byte[] safeRead(AddressSpace memory, long address, int length) {
        try {
            return memory.read(address, length);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String pad(String body, int width, boolean left, boolean zero) {
        if (body.length() >= width) {
            return body;
        }
        int fill = width - body.length();
        if (left) {
            return body + " ".repeat(fill);
        }
        if (zero) {
            int sign = body.startsWith("-") || body.startsWith("+") || body.startsWith(" ") ? 1 : 0;
            return body.substring(0, sign) + "0".repeat(fill) + body.substring(sign);
        }
        return " ".repeat(fill) + body;
    }

    private static boolean isPrint(int c) {
        return c >= 0x20 && c < 0x7f;
    }

    private static boolean isSpace(int c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
