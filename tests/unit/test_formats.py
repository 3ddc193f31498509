"""The league phase's path into the knockout bracket (Article 19 of the 2024/25 regulations)."""

from django.utils import translation

from events import formats


def test_every_position_from_1_to_24_feeds_exactly_one_place():
    fmt = formats.LEAGUE_PHASE_2024
    seeded_16 = [p for positions, _ in fmt.round_of_16 for p in positions]
    play_off = [p for pairing in fmt.play_offs for p in (*pairing.seeded, *pairing.unseeded)]
    assert sorted(seeded_16) == list(range(1, 9))
    assert sorted(play_off) == list(range(9, 25))
    assert sorted(index for _, index in fmt.round_of_16) == [0, 1, 2, 3]


def test_pairs_mirror_each_other_so_that_the_higher_seeds_meet_the_lower_ones():
    for pairing in formats.LEAGUE_PHASE_2024.play_offs:
        assert sum(pairing.seeded) + sum(pairing.unseeded) == 66  # 9+10+23+24
    for seeded, index in formats.LEAGUE_PHASE_2024.round_of_16:
        assert sum(seeded) + sum(formats.LEAGUE_PHASE_2024.play_offs[index].seeded) in (22, 26, 30, 34)


def test_a_projection_names_both_clubs_of_each_pair_from_the_table_order():
    order = [f"T{position}" for position in range(1, 37)]
    projected = formats.projection(formats.LEAGUE_PHASE_2024, order)
    assert projected["play_offs"][3] == {
        "label": "15/16 v 17/18",
        "seeded": {"positions": [15, 16], "teams": ["T15", "T16"]},
        "unseeded": {"positions": [17, 18], "teams": ["T17", "T18"]},
    }
    assert projected["round_of_16"][3]["possible_opponents"] == ["T9", "T10", "T23", "T24"]
    assert projected["round_of_16"][3]["seeded"]["teams"] == ["T7", "T8"]


def test_the_pairings_are_named_in_the_readers_language():
    projected = formats.projection(formats.LEAGUE_PHASE_2024, list(range(1, 37)))
    assert projected["round_of_16"][0]["label"] == "1/2 v winner of 15/16 v 17/18"
    with translation.override("de"):
        projected = formats.projection(formats.LEAGUE_PHASE_2024, list(range(1, 37)))
    assert projected["play_offs"][0]["label"] == "9/10 gegen 23/24"
    assert projected["round_of_16"][0]["label"] == "1/2 gegen den Sieger von 15/16 gegen 17/18"
