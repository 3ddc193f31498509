"""The demo's facts: Group E's teams, squads, lineups and the events of the matches we replay.

Liverpool 1-1 Napoli (27 November 2019) follows its match report; matchday 6
(10 December 2019: Napoli 4-0 Genk, Salzburg 0-2 Liverpool, played at the same
time) is replayed to show a decisive evening live.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPETITION = {"name": "UEFA Champions League", "season": "2019-20"}
GROUP_NAME = "Group E"
FEATURED = ("LIV", "NAP", "2019-11-27")
MATCHDAY_6 = (("NAP", "GNK", "2019-12-10"), ("SAL", "LIV", "2019-12-10"))

TEAMS = {
    # code: (name as in the openfootball file, short name, country, primary, secondary, venue)
    "LIV": ("Liverpool FC", "Liverpool", "ENG", "#c8102e", "#f6eb61", "Anfield, Liverpool"),
    "NAP": ("SSC Napoli", "Napoli", "ITA", "#12a0d7", "#ffffff", "Stadio San Paolo, Naples"),
    "SAL": ("RB Salzburg", "Salzburg", "AUT", "#d0103a", "#ffffff", "Red Bull Arena, Salzburg"),
    "GNK": ("KRC Genk", "Genk", "BEL", "#0a3d91", "#ffffff", "Luminus Arena, Genk"),
}

# (number, name, short name, position)
SQUADS = {
    "LIV": [
        (1, "Alisson Becker", "Alisson", "GK"),
        (13, "Adrián", "Adrián", "GK"),
        (66, "Trent Alexander-Arnold", "Alexander-Arnold", "DF"),
        (12, "Joe Gomez", "Gomez", "DF"),
        (6, "Dejan Lovren", "Lovren", "DF"),
        (4, "Virgil van Dijk", "Van Dijk", "DF"),
        (26, "Andrew Robertson", "Robertson", "DF"),
        (3, "Fabinho", "Fabinho", "MF"),
        (14, "Jordan Henderson", "Henderson", "MF"),
        (7, "James Milner", "Milner", "MF"),
        (5, "Georginio Wijnaldum", "Wijnaldum", "MF"),
        (8, "Naby Keïta", "Keïta", "MF"),
        (20, "Adam Lallana", "Lallana", "MF"),
        (15, "Alex Oxlade-Chamberlain", "Oxlade-Chamberlain", "MF"),
        (11, "Mohamed Salah", "Salah", "FW"),
        (9, "Roberto Firmino", "Firmino", "FW"),
        (10, "Sadio Mané", "Mané", "FW"),
        (23, "Xherdan Shaqiri", "Shaqiri", "FW"),
        (27, "Divock Origi", "Origi", "FW"),
    ],
    "NAP": [
        (1, "Alex Meret", "Meret", "GK"),
        (25, "David Ospina", "Ospina", "GK"),
        (22, "Giovanni Di Lorenzo", "Di Lorenzo", "DF"),
        (19, "Nikola Maksimović", "Maksimović", "DF"),
        (26, "Kalidou Koulibaly", "Koulibaly", "DF"),
        (6, "Mário Rui", "Mário Rui", "DF"),
        (13, "Sebastiano Luperto", "Luperto", "DF"),
        (23, "Elseid Hysaj", "Hysaj", "DF"),
        (31, "Faouzi Ghoulam", "Ghoulam", "DF"),
        (7, "José Callejón", "Callejón", "MF"),
        (5, "Allan", "Allan", "MF"),
        (8, "Fabián Ruiz", "Fabián Ruiz", "MF"),
        (20, "Piotr Zieliński", "Zieliński", "MF"),
        (11, "Hirving Lozano", "Lozano", "FW"),
        (14, "Dries Mertens", "Mertens", "FW"),
        (24, "Lorenzo Insigne", "Insigne", "FW"),
        (18, "Fernando Llorente", "Llorente", "FW"),
        (99, "Arkadiusz Milik", "Milik", "FW"),
    ],
    "SAL": [
        (1, "Cican Stanković", "Stanković", "GK"),
        (31, "Carlos Coronel", "Coronel", "GK"),
        (15, "Rasmus Kristensen", "Kristensen", "DF"),
        (17, "André Ramalho", "Ramalho", "DF"),
        (39, "Maximilian Wöber", "Wöber", "DF"),
        (22, "Andreas Ulmer", "Ulmer", "DF"),
        (5, "Jérôme Onguéné", "Onguéné", "DF"),
        (19, "Zlatko Junuzović", "Junuzović", "MF"),
        (45, "Enock Mwepu", "Mwepu", "MF"),
        (14, "Dominik Szoboszlai", "Szoboszlai", "MF"),
        (18, "Takumi Minamino", "Minamino", "MF"),
        (6, "Antoine Bernède", "Bernède", "MF"),
        (11, "Hwang Hee-chan", "Hwang", "FW"),
        (9, "Erling Haaland", "Haaland", "FW"),
        (20, "Patson Daka", "Daka", "FW"),
        (21, "Sékou Koïta", "Koïta", "FW"),
    ],
    "GNK": [
        (26, "Gaëtan Coucke", "Coucke", "GK"),
        (1, "Danny Vukovic", "Vukovic", "GK"),
        (46, "Joakim Mæhle", "Mæhle", "DF"),
        (4, "Sebastien Dewaest", "Dewaest", "DF"),
        (6, "Jhon Lucumí", "Lucumí", "DF"),
        (3, "Jere Uronen", "Uronen", "DF"),
        (21, "Carlos Cuesta", "Cuesta", "DF"),
        (8, "Patrik Hrošovský", "Hrošovský", "MF"),
        (10, "Sander Berge", "Berge", "MF"),
        (18, "Bryan Heynen", "Heynen", "MF"),
        (7, "Junya Ito", "Ito", "MF"),
        (11, "Theo Bongonda", "Bongonda", "MF"),
        (77, "Mbwana Samatta", "Samatta", "FW"),
        (99, "Paul Onuachu", "Onuachu", "FW"),
        (19, "Ianis Hagi", "Hagi", "MF"),
    ],
}

# Per match: (starting XI, bench) by short name, for each side.
LINEUPS = {
    FEATURED: {
        "LIV": (
            [
                "Alisson",
                "Gomez",
                "Lovren",
                "Van Dijk",
                "Robertson",
                "Fabinho",
                "Henderson",
                "Milner",
                "Salah",
                "Firmino",
                "Mané",
            ],
            ["Adrián", "Alexander-Arnold", "Lallana", "Oxlade-Chamberlain", "Keïta", "Shaqiri", "Origi"],
        ),
        "NAP": (
            [
                "Meret",
                "Di Lorenzo",
                "Maksimović",
                "Koulibaly",
                "Mário Rui",
                "Callejón",
                "Allan",
                "Fabián Ruiz",
                "Zieliński",
                "Lozano",
                "Mertens",
            ],
            ["Ospina", "Luperto", "Hysaj", "Ghoulam", "Insigne", "Llorente", "Milik"],
        ),
    },
    MATCHDAY_6[0]: {
        "NAP": (
            [
                "Meret",
                "Di Lorenzo",
                "Maksimović",
                "Koulibaly",
                "Mário Rui",
                "Callejón",
                "Allan",
                "Fabián Ruiz",
                "Zieliński",
                "Milik",
                "Mertens",
            ],
            ["Ospina", "Luperto", "Hysaj", "Ghoulam", "Lozano", "Insigne", "Llorente"],
        ),
        "GNK": (
            [
                "Coucke",
                "Mæhle",
                "Dewaest",
                "Lucumí",
                "Uronen",
                "Hrošovský",
                "Berge",
                "Heynen",
                "Ito",
                "Samatta",
                "Onuachu",
            ],
            ["Vukovic", "Cuesta", "Bongonda", "Hagi"],
        ),
    },
    MATCHDAY_6[1]: {
        "SAL": (
            [
                "Stanković",
                "Kristensen",
                "Ramalho",
                "Wöber",
                "Ulmer",
                "Junuzović",
                "Mwepu",
                "Szoboszlai",
                "Minamino",
                "Hwang",
                "Haaland",
            ],
            ["Coronel", "Onguéné", "Bernède", "Daka", "Koïta"],
        ),
        "LIV": (
            [
                "Alisson",
                "Alexander-Arnold",
                "Lovren",
                "Van Dijk",
                "Robertson",
                "Henderson",
                "Wijnaldum",
                "Keïta",
                "Salah",
                "Firmino",
                "Mané",
            ],
            ["Adrián", "Gomez", "Milner", "Oxlade-Chamberlain", "Lallana", "Shaqiri", "Origi"],
        ),
    },
}


@dataclass(frozen=True)
class ScriptedEvent:
    """One step of a match. Players are named by short name; `team` by code."""

    kind: str
    minute: int = 0
    added_minute: int | None = None
    team: str | None = None
    player: str | None = None
    second_player: str | None = None
    goal_type: str = ""
    injury: bool = False
    commentary: str = ""
    # For a VAR check: the step it reviews (by its key), what is checked, and the decision.
    key: str = ""
    reviews: str = ""
    var_reason: str = ""
    decision: str = ""

    @property
    def at(self) -> int:
        """The minute on the match clock when it happens, counting added time, for pacing a replay.

        Added time is announced as the period's last regular minute ends (45+1 is announced at 45).
        """
        if self.kind == "added_time":
            return self.minute
        return self.minute + (self.added_minute or 0)


SCRIPTS = {
    FEATURED: [
        ScriptedEvent("period_start", 0, commentary="Kick-off at Anfield."),
        ScriptedEvent("injury", 19, team="LIV", player="Fabinho", commentary="Fabinho goes down holding his ankle."),
        ScriptedEvent("substitution", 19, team="LIV", player="Fabinho", second_player="Lallana", injury=True),
        ScriptedEvent(
            "goal",
            21,
            team="NAP",
            player="Mertens",
            second_player="Di Lorenzo",
            goal_type="open_play",
            key="mertens",
            commentary="Di Lorenzo's brilliant ball over the top; Mertens runs free and buries it from a tough angle.",
        ),
        ScriptedEvent(
            "var_check",
            22,
            team="NAP",
            reviews="mertens",
            var_reason="possible offside in the build-up",
            decision="stands",
            commentary="VAR checks the goal.",
        ),
        ScriptedEvent("added_time", 45, added_minute=1),
        ScriptedEvent("period_end", 45, added_minute=1),
        ScriptedEvent("period_start", 45),
        ScriptedEvent("substitution", 57, team="LIV", player="Gomez", second_player="Oxlade-Chamberlain"),
        ScriptedEvent(
            "goal",
            65,
            team="LIV",
            player="Lovren",
            second_player="Milner",
            goal_type="header",
            key="lovren",
            commentary="From Milner's corner, Lovren rises above the Napoli defence and heads in from distance.",
        ),
        ScriptedEvent(
            "var_check",
            66,
            team="LIV",
            reviews="lovren",
            var_reason="possible push in the build-up",
            decision="stands",
            commentary="Napoli protest a push; VAR checks the goal.",
        ),
        ScriptedEvent("substitution", 78, team="LIV", player="Milner", second_player="Alexander-Arnold"),
        ScriptedEvent("added_time", 90, added_minute=4),
        ScriptedEvent("period_end", 90, added_minute=4, commentary="Full time: Liverpool 1-1 Napoli."),
    ],
    MATCHDAY_6[0]: [
        ScriptedEvent("period_start", 0, commentary="Napoli need a result at home to Genk."),
        ScriptedEvent("goal", 3, team="NAP", player="Milik", goal_type="open_play", commentary="Milik strikes early."),
        ScriptedEvent("goal", 26, team="NAP", player="Milik", goal_type="open_play"),
        ScriptedEvent("penalty_goal", 38, team="NAP", player="Milik", commentary="Milik completes his hat-trick."),
        ScriptedEvent("period_end", 45),
        ScriptedEvent("period_start", 45),
        ScriptedEvent("penalty_goal", 75, team="NAP", player="Mertens"),
        ScriptedEvent("period_end", 90, added_minute=1, commentary="Napoli are through."),
    ],
    MATCHDAY_6[1]: [
        ScriptedEvent("period_start", 0, commentary="A defeat could put Liverpool out."),
        ScriptedEvent("period_end", 45, added_minute=1),
        ScriptedEvent("period_start", 45),
        ScriptedEvent("goal", 57, team="LIV", player="Keïta", second_player="Mané", goal_type="open_play"),
        ScriptedEvent(
            "goal",
            58,
            team="LIV",
            player="Salah",
            second_player="Henderson",
            goal_type="open_play",
            commentary="Salah rounds the keeper and scores from the tightest of angles.",
        ),
        ScriptedEvent("period_end", 90, added_minute=3, commentary="Liverpool top the group."),
    ],
}

DEMO_USERS = {
    # username: (password, role, is_superuser)
    "editor": ("editor-demo-pass", "Editors", False),
    "admin": ("admin-demo-pass", "Admins", True),
}
