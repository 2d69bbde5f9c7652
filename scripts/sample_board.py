"""A realistic sample workshop, filled over HTTP like real users: for screenshots and benchmarks."""

from __future__ import annotations

from tests.support import Person, Workshop

CARDS = [
    # (phase index, lane index, text, author index)
    (0, 0, "Cliënt merkt dat de medicatie-app niet opent", 1),
    (0, 0, "Cliënt vraagt de begeleider om hulp", 2),
    (0, 1, "Tablet op de woongroep", 1),
    (0, 2, "Begeleider (dienst)", 3),
    (0, 3, "Geen vaste afspraak wie eerst helpt", 0),
    (1, 0, "Begeleider probeert het zelf op te lossen", 3),
    (1, 1, "Uitleg aan tafel, met de app erbij", 2),
    (1, 2, "Digicoach van de locatie", 1),
    (1, 3, "Oplossingen staan nergens beschreven", 0),
    (1, 4, "Zorgapp versie 4.2", 3),
    (2, 0, "Begeleider belt de applicatieondersteuner", 2),
    (2, 1, "Telefoon of Teams-bericht", 1),
    (2, 3, "Serviceverzoek indienen via het portaal", 0),
    (2, 4, "Portaal leverancier", 2),
    (3, 0, "Cliënt wacht op terugkoppeling", 1),
    (3, 2, "Klantondersteuner leverancier", 3),
    (3, 3, "Analyse probleem / intern oplossen", 0),
    (4, 1, "Instructie hoe het probleem zelf op te lossen", 2),
    (4, 2, "Technisch Servicepunt maakt reparatieafspraak", 3),
]
TAGGED = [
    ("Geen vaste afspraak wie eerst helpt", ["informeel", "knelpunt"], ("Afspraak vastleggen in het werkoverleg", "Fatima", "open")),
    ("Oplossingen staan nergens beschreven", ["niet-gedocumenteerde kennis"], ("Kennisbank digicoaches opzetten", "Mirjam", "open")),
    ("Begeleider probeert het zelf op te lossen", ["handmatig oordeel"], None),
    ("Cliënt wacht op terugkoppeling", ["knelpunt"], ("Terugbelafspraak met leverancier", "Joost", "resolved")),
    ("Telefoon of Teams-bericht", ["inconsistent"], None),
]
PEOPLE = [("Fatima", "digicoach"), ("Anna", "begeleider"), ("Joost", "cliënt"), ("Mirjam", "verpleegkundige")]
# Cards linked to steps of the praatplaat: (card text, step text).
LINKS = [
    ("Cliënt merkt dat de medicatie-app niet opent", "Technologie doet het niet (goed)."),
    ("Begeleider probeert het zelf op te lossen", "Medewerker zorg en ondersteuning helpt cliënt."),
    ("Begeleider belt de applicatieondersteuner", "Applicatieondersteuner helpt medewerker zorg en ondersteuning."),
    ("Digicoach van de locatie", "Applicatieondersteuner helpt medewerker zorg en ondersteuning."),
    ("Serviceverzoek indienen via het portaal", "Serviceverzoek indienen"),
    ("Portaal leverancier", "Serviceverzoek indienen"),
    ("Klantondersteuner leverancier", "Ontvangst serviceverzoek"),
    ("Analyse probleem / intern oplossen", "Analyse probleem / intern oplossen"),
    ("Instructie hoe het probleem zelf op te lossen", "Instructie over hoe het probleem zelf op te lossen."),
    ("Technisch Servicepunt maakt reparatieafspraak", "Reparatieafspraak op locatie."),
    ("Cliënt wacht op terugkoppeling", "Terugkoppeling over oplossing."),
]


def build(base_url: str, title: str = "Hulp vragen bij de zorgapp") -> tuple[Person, Workshop, list[Person]]:
    fac = Person(base_url)
    ws = fac.create_workshop(title)
    people = []
    for name, role in PEOPLE:
        p = Person(base_url)
        p.join(ws, name, role)
        people.append(p)
    phases, lanes = fac.cell_ids(ws.slug)
    fac.post(f"/w/{ws.slug}/phases/{phases[0]}", {"name": "Probleem merken", "trigger": "De app doet het niet (goed)", "completion": "Hulp gevraagd"})
    fac.post(f"/w/{ws.slug}/phases/{phases[1]}", {"name": "Zelf helpen", "trigger": "", "completion": "Opgelost of doorgezet"})
    fac.post(f"/w/{ws.slug}/phases/{phases[2]}", {"name": "Applicatieondersteuning", "trigger": "Technisch probleem", "completion": ""})
    fac.post(f"/w/{ws.slug}/phases/{phases[3]}", {"name": "Leverancier", "trigger": "Serviceverzoek", "completion": ""})
    fac.post(f"/w/{ws.slug}/phases/{phases[4]}", {"name": "Oplossing", "trigger": "", "completion": "Terugkoppeling over oplossing"})
    for phase, lane, text, who in CARDS:
        r = people[who].add_card(ws.slug, phases[phase], lanes[lane], text)
        assert r.status_code == 200, r.text
    soup = fac.board(ws.slug)
    tags = {b.get_text(" ", strip=True).split(" ", 1)[1]: b["data-tag-id"] for b in soup.select("#tag-buttons .tag-toggle")}
    ids = {a.select_one(".card-text").get_text(): a["data-card-id"] for a in soup.select("article.card")}
    for text, tag_names, followup in TAGGED:
        for name in tag_names:
            fac.post(f"/w/{ws.slug}/cards/{ids[text]}/tags", {"tag_id": tags[name], "on": "1"})
        if followup:
            fac.post(f"/w/{ws.slug}/cards/{ids[text]}/followup", dict(zip(("note", "owner", "status"), followup)))
    cards = {a.select_one(".card-text").get_text(): a["data-card-id"] for a in soup.select("article.card")}
    steps = {li["data-text"]: li["data-step-id"] for li in soup.select(".flow-step")}
    for card, step in LINKS:
        r = fac.post(f"/w/{ws.slug}/cards/{cards[card]}/steps", {"step_id": steps[step], "linked": "1"})
        assert r.status_code == 200, r.text
    return fac, ws, people
