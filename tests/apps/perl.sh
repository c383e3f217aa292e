#!/usr/bin/env bash
# perl: Debian's perl added with `occlum add`, which brings its library
# directories: core and XS modules (POSIX, Digest::SHA, List::Util,
# JSON::PP, Storable), fork and waitpid, backticks and a pipe open through
# /bin/sh, and sockets over loopback between a parent and a forked child.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
new_instance inst
add_programs /usr/bin/perl
mkdir -p image/app
cat >image/app/main.pl <<'PL'
use strict; use warnings;
use POSIX qw(floor); use Digest::SHA qw(sha256_hex); use List::Util qw(sum max);
use JSON::PP; use Storable qw(dclone); use IO::Socket::INET;
my $doc = decode_json(encode_json({n => [1, 2, 3]}));
print "json ", sum(@{$doc->{n}}), " max ", max(4, 9, 2), " floor ", floor(2.7), "\n";
print "sha256 ", substr(sha256_hex("occlum"), 0, 16), "\n";
my $c = dclone({a => [1, 2]}); print "storable ", scalar(@{$c->{a}}), "\n";
my $pid = fork(); if ($pid == 0) { exit 5 } waitpid($pid, 0); print "fork ", $? >> 8, "\n";
my $out = `echo "backtick"`; chomp $out; print "$out\n"; # quotes: through /bin/sh
open(my $fh, "-|", "echo piped; exit 2") or die; my $line = <$fh>; close($fh); chomp $line;
print "$line ", $? >> 8, "\n";
my $srv = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "tcp") or die "listen: $!";
my $port = $srv->sockport;
if (my $k = fork()) { my $conn = $srv->accept; my $msg = <$conn>; chomp $msg; print "socket $msg\n"; waitpid($k, 0); }
else { my $cl = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port) or die; print $cl "hello\n"; exit 0 }
PL
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/perl /app/main.pl
expect_status 0
want="json 6 max 9 floor 2
sha256 $(printf occlum | sha256sum | cut -c1-16)
storable 2
fork 5
backtick
piped 2
socket hello"
[ "$OUT" = "$want" ] || fail "perl printed: $OUT"
[ -z "$ERR" ] || fail "perl wrote to stderr: $ERR"
