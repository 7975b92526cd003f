# Sourced by ./ebpf4j and ./run-tests: sets JAVA_HOME to a JDK 25 or newer, or exits with an error.
# Looks at $EBPF4J_JAVA_HOME, $JAVA_HOME, the JDKs under /usr/lib/jvm and /opt, then java on PATH.
ebpf4j_java_major() {
    # the JDK's release file says it without starting a JVM; ask the JVM only when there is none
    if [ -f "$1/release" ]; then
        sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
    else
        "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
    fi
}
ebpf4j_find_java() {
    local candidates=() c
    [ -n "${EBPF4J_JAVA_HOME:-}" ] && candidates+=("$EBPF4J_JAVA_HOME")
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    for c in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
        [ -d "$c" ] && candidates+=("$c")
    done
    if command -v java >/dev/null 2>&1; then
        candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
    fi
    for c in "${candidates[@]}"; do
        if [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ]; then
            local major
            major=$(ebpf4j_java_major "$c")
            if [ -n "$major" ] && [ "$major" -ge 25 ]; then
                export JAVA_HOME="$c"
                return 0
            fi
        fi
    done
    echo "Error: ebpf4j needs a JDK 25 or newer; none found in \$JAVA_HOME, /usr/lib/jvm or on PATH (install Temurin 25 or set EBPF4J_JAVA_HOME)" >&2
    exit 1
}
ebpf4j_find_java
