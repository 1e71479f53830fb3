"""The demo organisation loaded by `manage.py seed_demo`: an NTNU-like unit tree and its users.

The faculties and departments are NTNU's own, with NTNU's short codes. Two real codes contain
"Ø" (IØT, ISØ), which unit codes do not allow; they are written with "O" here. Codes of
administrative divisions, sections and labs are made up (prefixed with their parent's code).
"""

from units.models import Role, UnitType

INSTITUTION = UnitType.INSTITUTION
FACULTY = UnitType.FACULTY
DEPARTMENT = UnitType.DEPARTMENT
SECTION = UnitType.SECTION
LABORATORY = UnitType.LABORATORY
RESEARCH_GROUP = UnitType.RESEARCH_GROUP
OTHER = UnitType.OTHER

ROOT_CODE = "NTNU"

# Parent code → its children as (code, name in bokmål, name in English, unit type).
# None is the parent of the root. The seed walks this from the root down, so every parent is
# created before its children.
UNITS: dict[str | None, list[tuple[str, str, str, str]]] = {
    None: [
        (
            ROOT_CODE,
            "Norges teknisk-naturvitenskapelige universitet",
            "Norwegian University of Science and Technology",
            INSTITUTION,
        ),
    ],
    ROOT_CODE: [
        ("AD", "Fakultet for arkitektur og design", "Faculty of Architecture and Design", FACULTY),
        ("HF", "Det humanistiske fakultet", "Faculty of Humanities", FACULTY),
        (
            "IE",
            "Fakultet for informasjonsteknologi og elektroteknikk",
            "Faculty of Information Technology and Electrical Engineering",
            FACULTY,
        ),
        ("IV", "Fakultet for ingeniørvitenskap", "Faculty of Engineering", FACULTY),
        (
            "MH",
            "Fakultet for medisin og helsevitenskap",
            "Faculty of Medicine and Health Sciences",
            FACULTY,
        ),
        ("NV", "Fakultet for naturvitenskap", "Faculty of Natural Sciences", FACULTY),
        ("OK", "Fakultet for økonomi", "Faculty of Economics and Management", FACULTY),
        (
            "SU",
            "Fakultet for samfunns- og utdanningsvitenskap",
            "Faculty of Social and Educational Sciences",
            FACULTY,
        ),
        ("FA", "Fellesadministrasjonen", "Joint Administration", OTHER),
        ("VM", "NTNU Vitenskapsmuseet", "NTNU University Museum", OTHER),
    ],
    # Faculty of Architecture and Design
    "AD": [
        (
            "IAT",
            "Institutt for arkitektur og teknologi",
            "Department of Architecture and Technology",
            DEPARTMENT,
        ),
        (
            "IAP",
            "Institutt for arkitektur og planlegging",
            "Department of Architecture and Planning",
            DEPARTMENT,
        ),
        ("IDE", "Institutt for design", "Department of Design", DEPARTMENT),
        ("KIT", "Kunstakademiet i Trondheim", "Trondheim Academy of Fine Art", DEPARTMENT),
    ],
    # Faculty of Humanities
    "HF": [
        (
            "IFR",
            "Institutt for filosofi og religionsvitenskap",
            "Department of Philosophy and Religious Studies",
            DEPARTMENT,
        ),
        (
            "IHK",
            "Institutt for historiske og klassiske studier",
            "Department of Historical and Classical Studies",
            DEPARTMENT,
        ),
        (
            "IMS",
            "Institutt for moderne samfunnshistorie",
            "Department of Modern History and Society",
            DEPARTMENT,
        ),
        (
            "IKM",
            "Institutt for kunst- og medievitenskap",
            "Department of Art and Media Studies",
            DEPARTMENT,
        ),
        ("IMU", "Institutt for musikk", "Department of Music", DEPARTMENT),
        (
            "ISL",
            "Institutt for språk og litteratur",
            "Department of Language and Literature",
            DEPARTMENT,
        ),
        (
            "KULT",
            "Institutt for tverrfaglige kulturstudier",
            "Department of Interdisciplinary Studies of Culture",
            DEPARTMENT,
        ),
    ],
    # Faculty of Information Technology and Electrical Engineering
    "IE": [
        (
            "IDI",
            "Institutt for datateknologi og informatikk",
            "Department of Computer Science",
            DEPARTMENT,
        ),
        ("IEL", "Institutt for elkraftteknikk", "Department of Electric Energy", DEPARTMENT),
        (
            "IES",
            "Institutt for elektroniske systemer",
            "Department of Electronic Systems",
            DEPARTMENT,
        ),
        (
            "IIK",
            "Institutt for informasjonssikkerhet og kommunikasjonsteknologi",
            "Department of Information Security and Communication Technology",
            DEPARTMENT,
        ),
        (
            "IIR",
            "Institutt for IKT og realfag",
            "Department of ICT and Natural Sciences",
            DEPARTMENT,
        ),
        ("IMF", "Institutt for matematiske fag", "Department of Mathematical Sciences", DEPARTMENT),
        (
            "ITK",
            "Institutt for teknisk kybernetikk",
            "Department of Engineering Cybernetics",
            DEPARTMENT,
        ),
    ],
    # Faculty of Engineering
    "IV": [
        (
            "IBM",
            "Institutt for bygg- og miljøteknikk",
            "Department of Civil and Environmental Engineering",
            DEPARTMENT,
        ),
        (
            "EPT",
            "Institutt for energi- og prosessteknikk",
            "Department of Energy and Process Engineering",
            DEPARTMENT,
        ),
        (
            "IGP",
            "Institutt for geovitenskap og petroleum",
            "Department of Geoscience and Petroleum",
            DEPARTMENT,
        ),
        ("IMT", "Institutt for marin teknikk", "Department of Marine Technology", DEPARTMENT),
        (
            "KT",
            "Institutt for konstruksjonsteknikk",
            "Department of Structural Engineering",
            DEPARTMENT,
        ),
        (
            "MTP",
            "Institutt for maskinteknikk og produksjon",
            "Department of Mechanical and Industrial Engineering",
            DEPARTMENT,
        ),
        (
            "IHB",
            "Institutt for havromsoperasjoner og byggteknikk",
            "Department of Ocean Operations and Civil Engineering",
            DEPARTMENT,
        ),
        (
            "IVB",
            "Institutt for vareproduksjon og byggteknikk",
            "Department of Manufacturing and Civil Engineering",
            DEPARTMENT,
        ),
    ],
    # Faculty of Medicine and Health Sciences
    "MH": [
        (
            "IKOM",
            "Institutt for klinisk og molekylær medisin",
            "Department of Clinical and Molecular Medicine",
            DEPARTMENT,
        ),
        (
            "INB",
            "Institutt for nevromedisin og bevegelsesvitenskap",
            "Department of Neuromedicine and Movement Science",
            DEPARTMENT,
        ),
        (
            "ISM",
            "Institutt for samfunnsmedisin og sykepleie",
            "Department of Public Health and Nursing",
            DEPARTMENT,
        ),
        (
            "ISB",
            "Institutt for sirkulasjon og bildediagnostikk",
            "Department of Circulation and Medical Imaging",
            DEPARTMENT,
        ),
        ("IPH", "Institutt for psykisk helse", "Department of Mental Health", DEPARTMENT),
        (
            "KAVLI",
            "Kavliinstitutt for nevrovitenskap",
            "Kavli Institute for Systems Neuroscience",
            DEPARTMENT,
        ),
        (
            "IHA",
            "Institutt for helsevitenskap i Ålesund",
            "Department of Health Sciences in Ålesund",
            DEPARTMENT,
        ),
        (
            "IHG",
            "Institutt for helsevitenskap i Gjøvik",
            "Department of Health Sciences in Gjøvik",
            DEPARTMENT,
        ),
    ],
    # Faculty of Natural Sciences
    "NV": [
        ("IBI", "Institutt for biologi", "Department of Biology", DEPARTMENT),
        (
            "IBA",
            "Institutt for biologiske fag Ålesund",
            "Department of Biological Sciences Ålesund",
            DEPARTMENT,
        ),
        (
            "IBT",
            "Institutt for bioteknologi og matvitenskap",
            "Department of Biotechnology and Food Science",
            DEPARTMENT,
        ),
        ("IFY", "Institutt for fysikk", "Department of Physics", DEPARTMENT),
        ("IKJ", "Institutt for kjemi", "Department of Chemistry", DEPARTMENT),
        (
            "IKP",
            "Institutt for kjemisk prosessteknologi",
            "Department of Chemical Engineering",
            DEPARTMENT,
        ),
        (
            "IMA",
            "Institutt for materialteknologi",
            "Department of Materials Science and Engineering",
            DEPARTMENT,
        ),
    ],
    # Faculty of Economics and Management
    "OK": [
        (
            "IOT",
            "Institutt for industriell økonomi og teknologiledelse",
            "Department of Industrial Economics and Technology Management",
            DEPARTMENT,
        ),
        ("ISO", "Institutt for samfunnsøkonomi", "Department of Economics", DEPARTMENT),
        (
            "IIF",
            "Institutt for internasjonal forretningsdrift",
            "Department of International Business",
            DEPARTMENT,
        ),
        ("HHS", "NTNU Handelshøyskolen", "NTNU Business School", DEPARTMENT),
    ],
    # Faculty of Social and Educational Sciences
    "SU": [
        (
            "IPL",
            "Institutt for pedagogikk og livslang læring",
            "Department of Education and Lifelong Learning",
            DEPARTMENT,
        ),
        ("IPS", "Institutt for psykologi", "Department of Psychology", DEPARTMENT),
        (
            "ISS",
            "Institutt for sosiologi og statsvitenskap",
            "Department of Sociology and Political Science",
            DEPARTMENT,
        ),
        ("ISA", "Institutt for sosialt arbeid", "Department of Social Work", DEPARTMENT),
        (
            "SANT",
            "Institutt for sosialantropologi",
            "Department of Social Anthropology",
            DEPARTMENT,
        ),
        ("IGE", "Institutt for geografi", "Department of Geography", DEPARTMENT),
        ("ILU", "Institutt for lærerutdanning", "Department of Teacher Education", DEPARTMENT),
    ],
    # Joint Administration: a few of its divisions
    "FA": [
        ("FA-HMS", "HMS-avdelingen", "HSE Division", OTHER),
        ("FA-EIE", "Eiendomsavdelingen", "Property Division", OTHER),
        ("FA-OKO", "Økonomiavdelingen", "Finance Division", OTHER),
        ("FA-IT", "IT-avdelingen", "IT Division", OTHER),
        ("FA-KOM", "Kommunikasjonsavdelingen", "Communication Division", OTHER),
        ("FA-STU", "Studieavdelingen", "Student and Academic Division", OTHER),
    ],
    "FA-HMS": [
        ("FA-BHT", "Bedriftshelsetjenesten", "Occupational Health Service", SECTION),
    ],
    # University Museum
    "VM": [
        (
            "VM-IAK",
            "Institutt for arkeologi og kulturhistorie",
            "Department of Archaeology and Cultural History",
            DEPARTMENT,
        ),
        ("VM-IN", "Institutt for naturhistorie", "Department of Natural History", DEPARTMENT),
        ("VM-RBH", "Ringve botaniske hage", "Ringve Botanical Garden", SECTION),
    ],
    # Sections, laboratories and research groups in a few departments
    "IKJ": [
        ("IKJ-ORG", "Seksjon for organisk kjemi", "Organic Chemistry Section", SECTION),
        ("IKJ-ANA", "Seksjon for analytisk kjemi", "Analytical Chemistry Section", SECTION),
        ("IKJ-FYS", "Seksjon for fysikalsk kjemi", "Physical Chemistry Section", SECTION),
        ("IKJ-NMR", "NMR-laboratoriet", "NMR Laboratory", LABORATORY),
    ],
    "IKP": [
        ("IKP-UGL", "Ugelstadlaboratoriet", "Ugelstad Laboratory", LABORATORY),
    ],
    "KT": [
        (
            "KT-SIMLAB",
            "SIMLab – Structural Impact Laboratory",
            "SIMLab – Structural Impact Laboratory",
            RESEARCH_GROUP,
        ),
    ],
    "IDI": [
        ("IDI-NAIL", "Norwegian Open AI Lab", "Norwegian Open AI Lab", RESEARCH_GROUP),
    ],
    "ISM": [
        ("ISM-HUNT", "HUNT forskningssenter", "HUNT Research Centre", SECTION),
    ],
}

# Every demo user logs in with this password; the seed refuses to run when DEBUG is off.
DEMO_PASSWORD = "hms-demo"  # noqa: S105

# (username, first name, last name, e-mail). `admin` is the administrator (superuser).
ADMIN_USERNAME = "admin"
USERS: list[tuple[str, str, str, str]] = [
    ("admin", "Marte", "Kristiansen", "marte.kristiansen@ntnu.example"),
    ("hms", "Hilde", "Berg", "hilde.berg@ntnu.example"),
    ("leder", "Lars", "Hansen", "lars.hansen@ntnu.example"),
    ("verneombud", "Sofie", "Johansen", "sofie.johansen@ntnu.example"),
    ("ansatt", "Emil", "Larsen", "emil.larsen@ntnu.example"),
    ("leder2", "Ingrid", "Olsen", "ingrid.olsen@ntnu.example"),
    ("verneombud2", "Jonas", "Dahl", "jonas.dahl@ntnu.example"),
    ("rektor", "Tone", "Haugen", "tone.haugen@ntnu.example"),
    ("hovedverneombud", "Bjørn", "Pedersen", "bjorn.pedersen@ntnu.example"),
    ("dekan", "Kjersti", "Moen", "kjersti.moen@ntnu.example"),
    ("hmskoordinator", "Kristin", "Nilsen", "kristin.nilsen@ntnu.example"),
    ("stralevern", "Nina", "Eriksen", "nina.eriksen@ntnu.example"),
    ("stoffkartotek", "Anders", "Bakken", "anders.bakken@ntnu.example"),
]

# (username, role, unit code). The first six are the contract of DESIGN.md: `leder` and
# `verneombud` share a department, `ansatt` works in a section of it, `leder2` leads a
# department in another faculty.
ROLES: list[tuple[str, str, str]] = [
    ("hms", Role.HMS_DEPARTMENT, ROOT_CODE),
    ("leder", Role.LINE_MANAGER, "IKJ"),
    ("verneombud", Role.SAFETY_REP, "IKJ"),
    ("ansatt", Role.EMPLOYEE, "IKJ-ORG"),
    ("leder2", Role.LINE_MANAGER, "KT"),
    ("verneombud2", Role.SAFETY_REP, "KT"),
    ("rektor", Role.LINE_MANAGER, ROOT_CODE),
    ("hovedverneombud", Role.CHIEF_SAFETY_REP, ROOT_CODE),
    ("dekan", Role.LINE_MANAGER, "NV"),
    ("hmskoordinator", Role.HMS_COORDINATOR, "NV"),
    ("stralevern", Role.RADIATION_COORDINATOR, "IKJ"),
    ("stoffkartotek", Role.CHEMICAL_CONTACT, "IKJ"),
]
