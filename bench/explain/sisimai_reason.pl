#!/usr/bin/perl
# Sisimai's reason classifier on the same lines, timing itself (Debian libsisimai-perl).
#   perl bench/explain/sisimai_reason.pl bench/explain/lines.txt REPEAT REASONS_OUT
# Prints one JSON object: lines, best seconds of REPEAT passes, lines per second, version.
# Writes the reason of every line (one per line, in order) to REASONS_OUT.
use strict;
use warnings;
use Time::HiRes qw(time);
use Sisimai;
use Sisimai::Reason;

my ($path, $repeat, $out) = @ARGV;
die "usage: $0 LINES REPEAT REASONS_OUT\n" unless defined $out;
open(my $in, '<:encoding(UTF-8)', $path) or die "cannot read $path: $!\n";
chomp(my @lines = <$in>);
close $in;

my @reasons = map { Sisimai::Reason->match($_) // '' } @lines;    # warm-up pass, and the answers
my $best;
for (1 .. $repeat) {
    my $start = time;
    Sisimai::Reason->match($_) for @lines;
    my $took = time - $start;
    $best = $took if !defined $best || $took < $best;
}
open(my $fh, '>', $out) or die "cannot write $out: $!\n";
print {$fh} "$_\n" for @reasons;
close $fh;
printf "{\"lines\": %d, \"seconds\": %.6f, \"rate\": %.1f, \"version\": \"%s\"}\n",
    scalar @lines, $best, @lines / $best, $Sisimai::VERSION;
