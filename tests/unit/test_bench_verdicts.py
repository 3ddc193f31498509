"""The fan-out benchmark's verdicts: each target is judged where the issue set it."""

from bench.run import Result, verdicts


def result(fans: int, processes: int, p99_ratio: float, post_p99_ms: float) -> Result:
    return Result("matchcentre", fans, processes, delivered=20 * fans, expected=20 * fans, p99_ratio=p99_ratio,
                  post_p99_ms=post_p99_ms)


def test_the_p99_ratio_is_a_target_from_ten_thousand_fans_and_the_editors_post_at_every_size():
    small, large = verdicts([result(1000, 1, 2.5, 120.0), result(20000, 2, 2.5, 80.0)])
    assert "p99 2.5x the reference (no target below 10,000 fans)" in small
    assert "editor POST p99 120.0 ms (NOT met, target < 100)" in small
    assert "p99 2.5x the reference (NOT met, target 2x)" in large
    assert "editor POST p99 80.0 ms (met, target < 100)" in large
