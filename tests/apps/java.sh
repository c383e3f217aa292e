#!/usr/bin/env bash
# java: Debian's OpenJDK 17 added with `occlum add java` (its built-in
# recipe brings the whole Java home, the launcher a link to its real path
# there) prints its version, and runs a class compiled on the host: a
# thread pool merging into a ConcurrentHashMap, streams and collections.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
command -v java >/dev/null || fail "java is not installed (make deps)"
command -v javac >/dev/null || fail "javac is not installed (make deps)"
new_instance inst
occlum add java >/dev/null 2>"$WORK/add.err" || fail "occlum add java failed: $(cat "$WORK/add.err")"
[ -L image/bin/java ] || fail "image/bin/java is not a link to the Java home"
mkdir -p "$WORK/src" image/app
cat >"$WORK/src/Main.java" <<'JAVA'
import java.util.*;
import java.util.concurrent.*;

public class Main {
    public static void main(String[] args) throws Exception {
        ConcurrentHashMap<Integer, Integer> map = new ConcurrentHashMap<>();
        int threads = 4, per = 50000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            fs.add(pool.submit(() -> {
                for (int i = 0; i < per; i++) map.merge(i % 1000, 1, Integer::sum);
                return id;
            }));
        }
        int ids = 0;
        for (Future<Integer> f : fs) ids += f.get();
        pool.shutdown();
        long total = map.values().stream().mapToLong(Integer::longValue).sum();
        System.out.println("threads " + threads + " ids " + ids + " keys " + map.size() + " total " + total);
        StringBuilder sb = new StringBuilder();
        for (String s : new TreeSet<>(Arrays.asList("pear", "apple", "fig"))) sb.append(s).append(' ');
        System.out.println("sorted " + sb.toString().trim() + " os " + System.getProperty("os.name"));
    }
}
JAVA
javac -d image/app "$WORK/src/Main.java" || fail "javac failed"
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/java -version
expect_status 0
expect_err_contains 'openjdk version "17'
run occlum run /bin/java -cp /app Main
expect_status 0
want="threads 4 ids 6 keys 1000 total 200000
sorted apple fig pear os Linux"
[ "$OUT" = "$want" ] || fail "java printed: $OUT"
echo ok
