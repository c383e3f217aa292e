#!/usr/bin/env bash
# ruby: Debian's ruby (ruby3.1) added with `occlum add`, which brings its
# standard library, gems and extensions: RubyGems and json load, threads
# (Ruby's timer thread uses timer_create), fork and Process.wait, a pipe to
# a child process, and Open3.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
new_instance inst
add_programs /usr/bin/ruby
mkdir -p image/app
cat >image/app/main.rb <<'RB'
require "json"
require "digest"
require "open3"
doc = JSON.parse(JSON.generate({ "n" => [1, 2, 3], "s" => "caf\u00e9" }))
puts "json #{doc["n"].sum} #{doc["s"]}"
puts "gems #{defined?(Gem) ? "loaded" : "missing"}"
puts "sha256 #{Digest::SHA256.hexdigest("occlum")[0, 16]}"
q = Queue.new
threads = 4.times.map { |i| Thread.new { sleep 0.01; q << i * i } }
threads.each(&:join)
puts "threads #{4.times.map { q.pop }.sum}"
pid = fork { exit 7 }
Process.wait(pid)
puts "fork #{$?.exitstatus}"
out, status = Open3.capture2("sh", "-c", "echo from-sh; exit 3")
puts "open3 #{out.strip} #{status.exitstatus}"
IO.popen(["sh", "-c", "read x; echo got-$x"], "r+") { |io| io.puts "it"; io.close_write; puts "popen #{io.read.strip}" }
RB
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/ruby /app/main.rb
expect_status 0
want="json 6 café
gems loaded
sha256 $(printf occlum | sha256sum | cut -c1-16)
threads 14
fork 7
open3 from-sh 3
popen got-it"
[ "$OUT" = "$want" ] || fail "ruby printed: $OUT"
[ -z "$ERR" ] || fail "ruby wrote to stderr: $ERR"
